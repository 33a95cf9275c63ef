// SPDX-License-Identifier: MIT
// Overloaded{lambdas...}: one visitor for std::visit built from lambdas.
#pragma once

namespace pptpx {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace pptpx

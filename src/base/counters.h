// SPDX-License-Identifier: MIT
// Counter structs: plain structs of uint64_t fields, nothing else. Summing
// two of them (a finished session's counters into the server's totals)
// goes field by field without listing the fields again.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace pptpx {

template <class T>
void add_counters(T& into, const T& from) {
  static_assert(std::is_trivially_copyable_v<T> && std::is_standard_layout_v<T>);
  static_assert(sizeof(T) % sizeof(uint64_t) == 0, "only uint64_t fields");
  constexpr size_t kFields = sizeof(T) / sizeof(uint64_t);
  using Fields = std::array<uint64_t, kFields>;
  auto a = std::bit_cast<Fields>(into);
  const auto b = std::bit_cast<Fields>(from);
  for (size_t i = 0; i < kFields; ++i) a[i] += b[i];
  into = std::bit_cast<T>(a);
}

}  // namespace pptpx

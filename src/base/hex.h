// SPDX-License-Identifier: MIT
// Hex encoding for logs, tests and MS-CHAP messages.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"

namespace pptpx {

std::string to_hex(ByteView b, bool upper = false);
// Parses hex digits (either case, no separators); nullopt on odd length or a bad digit.
std::optional<Bytes> from_hex(std::string_view s);

}  // namespace pptpx

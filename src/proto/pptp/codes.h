// SPDX-License-Identifier: MIT
// The words for PPTP's result, error and reason codes (RFC 2637 2.2, 2.4,
// 2.6, 2.8, 2.13 and the General Error Codes of 2.16), so that a refusal or
// a disconnect is logged as what it means, not as numbers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace pptpx::pptp {

// The Result Code of a Start-Control-Connection-Reply, Outgoing-Call-Reply
// or Call-Disconnect-Notify (the message type, as in messages.h, says which
// table); "result N" for a code the table does not have.
std::string result_text(uint16_t message_type, uint8_t result);
// A General Error Code (used with result 2 "general error").
std::string error_text(uint8_t error);
// "result R (words)", and ", error E (words)" when the result is a general
// error or the error code is not 0.
std::string describe_result(uint16_t message_type, uint8_t result, uint8_t error);
// What a PAC's refusal of a call (Outgoing-Call-Reply) usually means for the
// admin, with the fix; empty when there is nothing to add.
std::string_view call_refusal_hint(uint8_t result, uint8_t error);

}  // namespace pptpx::pptp

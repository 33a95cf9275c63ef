// SPDX-License-Identifier: MIT
// PPTP's codes in words (see codes.h).
#include "proto/pptp/codes.h"

#include <fmt/format.h>

#include <array>

#include "proto/pptp/messages.h"

namespace pptpx::pptp {
namespace {

// Index = code; index 0 and codes past the end have no meaning.
constexpr std::array<std::string_view, 6> kSccrpResults = {"",
                                                           "success",
                                                           "general error",
                                                           "a control connection already exists",
                                                           "not authorized",
                                                           "protocol version not supported"};
constexpr std::array<std::string_view, 8> kOcrpResults = {
    "",     "connected",    "general error", "no carrier",
    "busy", "no dial tone", "time-out",      "do not accept"};
constexpr std::array<std::string_view, 5> kCdnResults = {"", "lost carrier", "general error",
                                                         "administrative shutdown", "request"};
constexpr std::array<std::string_view, 4> kStopReasons = {"", "general request", "stop protocol",
                                                          "local shutdown"};
constexpr std::array<std::string_view, 7> kErrors = {"no error",  "not connected", "bad format",
                                                     "bad value", "no resource",   "bad call ID",
                                                     "PAC error"};

template <size_t N>
std::string_view lookup(const std::array<std::string_view, N>& table, uint8_t code) {
  return code < N ? table[code] : std::string_view{};
}

}  // namespace

std::string result_text(uint16_t message_type, uint8_t result) {
  std::string_view words;
  switch (static_cast<MessageType>(message_type)) {
    case MessageType::kStartControlConnectionReply: words = lookup(kSccrpResults, result); break;
    case MessageType::kOutgoingCallReply: words = lookup(kOcrpResults, result); break;
    case MessageType::kCallDisconnectNotify: words = lookup(kCdnResults, result); break;
    case MessageType::kStopControlConnectionRequest: words = lookup(kStopReasons, result); break;
    default: break;
  }
  if (words.empty()) return fmt::format("result {}", result);
  return std::string(words);
}

std::string error_text(uint8_t error) {
  std::string_view words = lookup(kErrors, error);
  if (words.empty()) return fmt::format("error {}", error);
  return std::string(words);
}

std::string describe_result(uint16_t message_type, uint8_t result, uint8_t error) {
  std::string s = fmt::format("result {} ({})", result, result_text(message_type, result));
  if (result == kResultGeneralError || error != kErrorNone)
    s += fmt::format(", error {} ({})", error, error_text(error));
  return s;
}

std::string_view call_refusal_hint(uint8_t result, uint8_t error) {
  if (result == kResultGeneralError && error == kErrorNoResource)
    return "the server is full: every connection slot or client address is taken; try again "
           "later, or ask its admin to raise connections or widen remoteip";
  if (result == kOcrpBusy) return "the server is busy; try again later";
  if (result == kOcrpDoNotAccept)
    return "the server does not accept calls from this address or with these parameters";
  return {};
}

}  // namespace pptpx::pptp

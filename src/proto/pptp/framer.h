// SPDX-License-Identifier: MIT
// Reassembles PPTP control messages from the TCP byte stream (RFC 2637
// section 1.4; docs/protocol.md, Control connection framing).
//
// TCP may split a message across reads or coalesce several into one. The
// framer checks each 12-octet header as soon as it is buffered: a Length
// below 12 or above the largest message (220), or a bad Magic Cookie, means
// the stream is out of sync; the RFC says to close rather than resynchronise,
// so the framer enters a sticky failed state. The per-type exact length is
// left to decode().
#pragma once

#include <cstddef>
#include <optional>

#include "base/bytes.h"
#include "proto/pptp/messages.h"

namespace pptpx::pptp {

enum class FramerError { kNone, kBadLength, kBadCookie };

class Framer {
 public:
  // Appends bytes read from TCP.
  void push(ByteView data) {
    if (failed()) return;
    compact();
    buf_.insert(buf_.end(), data.begin(), data.end());
  }

  // Returns the next complete message (header included), or nullopt when
  // more bytes are needed or the stream failed. The view stays valid until
  // the next push().
  std::optional<ByteView> next() {
    if (failed()) return std::nullopt;
    size_t avail = buf_.size() - pos_;
    if (avail < kHeaderSize) return std::nullopt;
    const uint8_t* p = buf_.data() + pos_;
    uint16_t length = get_u16(p);
    if (length < kHeaderSize || length > kMaxMessageSize) {
      error_ = FramerError::kBadLength;
      return std::nullopt;
    }
    if (get_u32(p + 4) != kMagicCookie) {
      error_ = FramerError::kBadCookie;
      return std::nullopt;
    }
    if (avail < length) return std::nullopt;
    pos_ += length;
    return ByteView(p, length);
  }

  bool failed() const { return error_ != FramerError::kNone; }
  FramerError error() const { return error_; }
  size_t buffered() const { return buf_.size() - pos_; }

 private:
  void compact() {
    if (pos_ == 0) return;
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(pos_));
    pos_ = 0;
  }

  Bytes buf_;
  size_t pos_ = 0;
  FramerError error_ = FramerError::kNone;
};

}  // namespace pptpx::pptp

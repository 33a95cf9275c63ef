// SPDX-License-Identifier: MIT
// Bounds-checked big-endian readers and writers over byte spans.
//
// Reader never reads past its span: a read that does not fit sets a sticky
// failure flag and returns zeros, so a parser can read every field and check
// ok() once at the end. Writer appends to a caller-owned std::vector (control
// path) — the data path writes headers in place with the put_* helpers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pptpx {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;
using MutableByteView = std::span<uint8_t>;

inline void put_u16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline void put_u32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}
inline uint16_t get_u16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
inline uint32_t get_u32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

class Reader {
 public:
  explicit Reader(ByteView data) : data_(data) {}

  bool ok() const { return ok_; }
  size_t remaining() const { return data_.size() - pos_; }
  size_t position() const { return pos_; }
  bool empty() const { return remaining() == 0; }

  uint8_t u8() {
    if (!need(1)) return 0;
    return data_[pos_++];
  }
  uint16_t u16() {
    if (!need(2)) return 0;
    uint16_t v = get_u16(&data_[pos_]);
    pos_ += 2;
    return v;
  }
  uint32_t u32() {
    if (!need(4)) return 0;
    uint32_t v = get_u32(&data_[pos_]);
    pos_ += 4;
    return v;
  }
  // Returns the next n bytes (empty span and failure if fewer remain).
  ByteView bytes(size_t n) {
    if (!need(n)) return {};
    ByteView v = data_.subspan(pos_, n);
    pos_ += n;
    return v;
  }
  ByteView rest() { return bytes(remaining()); }
  void skip(size_t n) { bytes(n); }
  // A fixed-size zero-padded string field: the text up to the first NUL.
  std::string fixed_string(size_t n) {
    ByteView v = bytes(n);
    size_t len = 0;
    while (len < v.size() && v[len] != 0) ++len;
    return std::string(reinterpret_cast<const char*>(v.data()), len);
  }
  void fail() { ok_ = false; }

 private:
  bool need(size_t n) {
    if (!ok_ || remaining() < n) {
      ok_ = false;
      return false;
    }
    return true;
  }
  ByteView data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

class Writer {
 public:
  explicit Writer(Bytes& out) : out_(out) {}

  void u8(uint8_t v) { out_.push_back(v); }
  void u16(uint16_t v) {
    uint8_t b[2];
    put_u16(b, v);
    out_.insert(out_.end(), b, b + 2);
  }
  void u32(uint32_t v) {
    uint8_t b[4];
    put_u32(b, v);
    out_.insert(out_.end(), b, b + 4);
  }
  void bytes(ByteView v) { out_.insert(out_.end(), v.begin(), v.end()); }
  void text(std::string_view s) { out_.insert(out_.end(), s.begin(), s.end()); }
  void zeros(size_t n) { out_.insert(out_.end(), n, 0); }
  // A fixed-size field: s truncated to n bytes and zero padded.
  void fixed_string(std::string_view s, size_t n) {
    size_t len = s.size() < n ? s.size() : n;
    text(s.substr(0, len));
    zeros(n - len);
  }
  size_t size() const { return out_.size(); }
  // Overwrites a u16 written earlier (e.g. a length field) at absolute offset.
  void patch_u16(size_t offset, uint16_t v) { put_u16(&out_[offset], v); }

 private:
  Bytes& out_;
};

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_chars(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace pptpx

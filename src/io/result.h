// SPDX-License-Identifier: MIT
// Small result and file-descriptor helpers for the I/O shell. Errors are
// values (std::error_code), never exceptions: an I/O error ends one session,
// never the process.
#pragma once

#include <cerrno>
#include <system_error>
#include <utility>

namespace pptpx::io {

inline std::error_code errno_error(int e = errno) { return {e, std::system_category()}; }

// EAGAIN/EWOULDBLOCK: "nothing to do now", not a failure.
inline bool would_block(std::error_code ec) {
  return ec == std::errc::resource_unavailable_try_again || ec == std::errc::operation_would_block;
}

// A value or an error_code; a tiny stand-in for std::expected (C++23).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}     // NOLINT(google-explicit-constructor)
  Result(std::error_code error) : error_(error) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return !error_; }
  explicit operator bool() const { return ok(); }
  [[nodiscard]] std::error_code error() const { return error_; }
  T& value() & { return value_; }
  const T& value() const& { return value_; }
  T&& value() && { return std::move(value_); }
  T& operator*() & { return value_; }
  const T& operator*() const& { return value_; }
  T* operator->() { return &value_; }
  const T* operator->() const { return &value_; }

 private:
  T value_{};
  std::error_code error_;
};

// Owns one file descriptor; closes it on destruction.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// Sets O_NONBLOCK on fd.
[[nodiscard]] std::error_code set_nonblocking(int fd);

}  // namespace pptpx::io

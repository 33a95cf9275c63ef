// SPDX-License-Identifier: MIT
// Unix stream sockets, for pptpxd's control socket: a listening socket at a
// path (with its mode and group), and a blocking connect for pptpxctl.
// Accepted connections are non-blocking and carried by io::TcpConnection,
// whose reads, writes and output queue are those of any stream socket.
#pragma once

#include <string>

#include "io/result.h"

namespace pptpx::io {

class UnixListener {
 public:
  struct Options {
    std::string path;
    unsigned mode = 0660;
    // The socket's group when that group exists (else root's).
    std::string group = "pptpx";
    int backlog = 16;
  };

  // Creates the parent folder (0755) when missing, then binds and listens.
  // A socket file already at the path is replaced when nothing answers on it
  // (left by a process that died); when something does, address_in_use.
  static Result<UnixListener> listen(const Options& opts);
  UnixListener() = default;  // not listening
  ~UnixListener();
  UnixListener(UnixListener&& o) noexcept;
  UnixListener& operator=(UnixListener&& o) noexcept;
  UnixListener(const UnixListener&) = delete;
  UnixListener& operator=(const UnixListener&) = delete;

  int fd() const { return fd_.get(); }
  const std::string& path() const { return path_; }
  // Whether the socket's group is opts.group (it exists) or root.
  bool group_applied() const { return group_applied_; }
  // One pending connection, non-blocking with CLOEXEC; would_block(error)
  // when none is left.
  Result<Fd> accept();

 private:
  Fd fd_;
  std::string path_;  // removed on destruction
  bool group_applied_ = false;
};

// Connects to the socket at path (blocking, CLOEXEC).
Result<Fd> unix_connect(const std::string& path);

}  // namespace pptpx::io

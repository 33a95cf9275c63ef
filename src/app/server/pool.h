// SPDX-License-Identifier: MIT
// The address slots of pptpd: one (local, remote) pair per allowed
// connection, taken when a call is accepted and given back when it ends.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "base/ip.h"
#include "config/pptpd_conf.h"

namespace pptpx::server {

class AddressPool {
 public:
  explicit AddressPool(std::vector<config::Slot> slots)
      : slots_(std::move(slots)), used_(slots_.size(), false) {}

  // The lowest free slot, marked used; nullopt when every slot is taken.
  std::optional<size_t> acquire() {
    for (size_t i = 0; i < slots_.size(); ++i)
      if (!used_[i]) {
        used_[i] = true;
        ++in_use_;
        return i;
      }
    return std::nullopt;
  }
  void release(size_t i) {
    if (i < used_.size() && used_[i]) {
      used_[i] = false;
      --in_use_;
    }
  }
  const config::Slot& slot(size_t i) const { return slots_[i]; }
  // Whether addr is one of the slots' client (remote) addresses.
  bool has_remote(Ipv4 addr) const {
    for (const auto& s : slots_)
      if (s.remote == addr) return true;
    return false;
  }
  size_t size() const { return slots_.size(); }
  size_t in_use() const { return in_use_; }

 private:
  std::vector<config::Slot> slots_;
  std::vector<bool> used_;
  size_t in_use_ = 0;
};

}  // namespace pptpx::server

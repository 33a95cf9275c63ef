// SPDX-License-Identifier: MIT
// What keeps one source of idle control connections from locking everyone
// else out (see Server::make_room_for in controls.cc):
//
// - WaitingConnections: the control connections that have not placed a
//   call yet ("waiting": from accept until the server has accepted an
//   Outgoing-Call-Request on it, i.e. sent Outgoing-Call-Reply Connected),
//   by age and by source address, so that the server can refuse a source's
//   connection over its limit and close the oldest waiting one when the
//   global limit is reached;
// - SourceThrottle: at most one log line per source address and minute,
//   from a table of bounded size.
//
// Both are plain data: no sockets, no clock (the caller passes the time).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <unordered_map>

#include "base/ip.h"
#include "base/time.h"

namespace pptpx::server {

class WaitingConnections {
 public:
  // Connection IDs grow with age: the smallest waiting one is the oldest.
  void add(uint64_t id, Ipv4 source);
  // No-op when id is not waiting (placed a call, or never added).
  void remove(uint64_t id);
  bool contains(uint64_t id) const { return by_id_.count(id) != 0; }
  size_t size() const { return by_id_.size(); }
  // Waiting connections from source.
  size_t from(Ipv4 source) const;
  std::optional<uint64_t> oldest() const;

 private:
  std::map<uint64_t, Ipv4> by_id_;
  std::unordered_map<uint32_t, size_t> by_source_;  // no zero counts kept
};

class SourceThrottle {
 public:
  static constexpr size_t kDefaultCapacity = 256;
  // capacity: sources remembered at once; beyond it (a flood from many
  // addresses) the others share one slot, so there is still at most one
  // line for them per period.
  explicit SourceThrottle(size_t capacity = kDefaultCapacity, Duration period = seconds(60));

  struct Verdict {
    bool write = false;
    uint64_t suppressed = 0;  // events about it not written since its last line
  };
  // One event about source at now: write a line about it or not.
  Verdict note(Ipv4 source, Time now);
  // Whether a line about source was written less than a period ago: the
  // server then logs that source's single connections at debug level only.
  bool recent(Ipv4 source, Time now) const;
  size_t size() const { return table_.size(); }

 private:
  struct Entry {
    Time last{};
    uint64_t suppressed = 0;
  };
  Verdict note(Entry& e, Time now);
  void expire(Time now);

  size_t capacity_;
  Duration period_;
  std::unordered_map<uint32_t, Entry> table_;
  std::optional<Entry> others_;  // every source beyond the capacity
};

}  // namespace pptpx::server

// SPDX-License-Identifier: MIT
// What slows down password guessing (see Server::answer_secret in
// links.cc): failed authentications counted per source address (the
// client's public address) and per user name, in two tables of bounded
// size.
//
// - The first free_failures failures of a source or user cost nothing;
//   each further attempt waits 1 s, 2 s, 4 s, ... up to max_delay, the
//   larger of the source's and the user's wait.
// - At block_user failures of a user, or block_source failures of a source,
//   it is blocked for block_time: its attempts fail at once, unchecked.
// - A source's or user's failures are forgotten block_time after its last
//   one, and when its block ends.
// - A success resets its user's count, never its source's: one account of
//   an attacker's own must not wipe the record of its guessing at others.
//
// Plain data: no sockets, no clock (the caller passes the time).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/ip.h"
#include "base/time.h"

namespace pptpx::server {

struct AuthThrottleConfig {
  bool enabled = true;
  int free_failures = 3;
  Duration max_delay = seconds(15);
  int block_user = 10;
  int block_source = 30;
  Duration block_time = seconds(900);
};

class AuthThrottle {
 public:
  static constexpr size_t kDefaultCapacity = 1024;
  // Longer user names are kept by their first octets only.
  static constexpr size_t kMaxNameKey = 256;
  // capacity: sources and user names remembered (each table); beyond it
  // the entry with the oldest failure goes, blocked ones last.
  explicit AuthThrottle(AuthThrottleConfig cfg = {}, size_t capacity = kDefaultCapacity);

  // New settings (reload); what was counted stays.
  void configure(const AuthThrottleConfig& cfg) { cfg_ = cfg; }
  const AuthThrottleConfig& config() const { return cfg_; }

  // What to do with an attempt before its secret is checked. A refusal
  // is counted against what blocks it.
  struct Decision {
    bool refused = false;  // source or user blocked: fail it at once
    bool source_blocked = false, user_blocked = false;
    Duration delay{};  // else: answer after this long
  };
  Decision check(Ipv4 source, std::string_view user, Time now);

  // A failed attempt. The blocks it started, with the failure count.
  struct Started {
    std::optional<uint32_t> source, user;  // failures that started the block
  };
  Started failed(Ipv4 source, std::string_view user, Time now);
  // A successful one: the user's count starts again (not the source's).
  void succeeded(std::string_view user);

  // Every source and user with failures, for pptpxctl blocks.
  struct Row {
    bool is_user = false;
    std::string key;  // the address or the user name
    uint32_t failures = 0;
    uint64_t refused = 0;     // attempts refused in the current block
    Duration blocked_for{};   // remaining block; zero: not blocked
    Duration next_delay{};    // what its next attempt waits
    Duration forgotten_in{};  // when its failures are forgotten
  };
  std::vector<Row> rows(Time now) const;
  // Forgets target: a user name, an address, or "all". Entries forgotten.
  size_t clear(std::string_view target);
  size_t sources() const { return sources_.size(); }
  size_t users() const { return users_.size(); }

 private:
  struct Entry {
    uint32_t failures = 0;
    Time last{};
    Time blocked_until = Time::min();  // min: never blocked (or the block forgotten)
    uint64_t refused = 0;
  };
  template <class Map>
  Entry& touch(Map& table, const typename Map::key_type& key, Time now);
  template <class Map>
  void make_room(Map& table, Time now);
  bool stale(const Entry& e, Time now) const;
  Duration delay_for(const Entry* e, Time now) const;
  Row row(const Entry& e, Time now) const;
  static std::string name_key(std::string_view user);

  AuthThrottleConfig cfg_;
  size_t capacity_;
  std::unordered_map<uint32_t, Entry> sources_;
  std::unordered_map<std::string, Entry> users_;
};

}  // namespace pptpx::server

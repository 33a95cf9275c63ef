// SPDX-License-Identifier: MIT
#include "app/server/auth_throttle.h"

#include <algorithm>
#include <tuple>

namespace pptpx::server {

namespace {

constexpr Time kNotBlocked = Time::min();
// 1 s << 30 is past any max_delay one can configure.
constexpr uint32_t kMaxShift = 30;

bool blocked(Time until, Time now) { return until != kNotBlocked && now < until; }

}  // namespace

AuthThrottle::AuthThrottle(AuthThrottleConfig cfg, size_t capacity)
    : cfg_(cfg), capacity_(std::max<size_t>(capacity, 1)) {}

std::string AuthThrottle::name_key(std::string_view user) {
  return std::string(user.substr(0, kMaxNameKey));
}

// Its block is over, or its last failure is block_time old: forgotten.
bool AuthThrottle::stale(const Entry& e, Time now) const {
  if (blocked(e.blocked_until, now)) return false;
  return e.blocked_until != kNotBlocked || now - e.last >= cfg_.block_time;
}

Duration AuthThrottle::delay_for(const Entry* e, Time now) const {
  if (!e || stale(*e, now)) return Duration::zero();
  const auto free = static_cast<uint32_t>(std::max(cfg_.free_failures, 0));
  if (e->failures < free) return Duration::zero();
  const uint32_t shift = std::min(e->failures - free, kMaxShift);
  return std::min<Duration>(seconds(int64_t{1} << shift), cfg_.max_delay);
}

AuthThrottle::Decision AuthThrottle::check(Ipv4 source, std::string_view user, Time now) {
  Decision d;
  if (!cfg_.enabled) return d;
  auto s = sources_.find(source.value);
  auto u = users_.find(name_key(user));
  Entry* se = s == sources_.end() ? nullptr : &s->second;
  Entry* ue = u == users_.end() ? nullptr : &u->second;
  d.source_blocked = se && blocked(se->blocked_until, now);
  d.user_blocked = ue && blocked(ue->blocked_until, now);
  if (d.source_blocked || d.user_blocked) {
    d.refused = true;
    if (d.source_blocked) se->refused++;
    if (d.user_blocked) ue->refused++;
    return d;
  }
  d.delay = std::max(delay_for(se, now), delay_for(ue, now));
  return d;
}

// A table full of entries makes room for one more: the forgotten ones go,
// else the one with the oldest failure, a blocked one only when all are.
template <class Map>
void AuthThrottle::make_room(Map& table, Time now) {
  std::erase_if(table, [&](const auto& kv) { return stale(kv.second, now); });
  if (table.size() < capacity_) return;
  auto victim = table.begin();
  for (auto it = table.begin(); it != table.end(); ++it) {
    auto rank = [&](const Entry& e) {
      return std::make_tuple(blocked(e.blocked_until, now), e.last);
    };
    if (rank(it->second) < rank(victim->second)) victim = it;
  }
  table.erase(victim);
}

template <class Map>
AuthThrottle::Entry& AuthThrottle::touch(Map& table, const typename Map::key_type& key, Time now) {
  auto it = table.find(key);
  if (it == table.end()) {
    if (table.size() >= capacity_) make_room(table, now);
    it = table.emplace(key, Entry{}).first;
  } else if (stale(it->second, now)) {
    it->second = Entry{};
  }
  return it->second;
}

AuthThrottle::Started AuthThrottle::failed(Ipv4 source, std::string_view user, Time now) {
  Started started;
  if (!cfg_.enabled) return started;
  auto count = [&](Entry& e, int threshold, std::optional<uint32_t>& start) {
    e.failures++;
    e.last = now;
    if (threshold > 0 && e.failures >= static_cast<uint32_t>(threshold) &&
        !blocked(e.blocked_until, now)) {
      e.blocked_until = now + cfg_.block_time;
      e.refused = 0;
      start = e.failures;
    }
  };
  count(touch(sources_, source.value, now), cfg_.block_source, started.source);
  count(touch(users_, name_key(user), now), cfg_.block_user, started.user);
  return started;
}

void AuthThrottle::succeeded(std::string_view user) { users_.erase(name_key(user)); }

AuthThrottle::Row AuthThrottle::row(const Entry& e, Time now) const {
  Row r;
  r.failures = e.failures;
  r.refused = e.refused;
  if (blocked(e.blocked_until, now)) {
    r.blocked_for = e.blocked_until - now;
    r.forgotten_in = r.blocked_for;
  } else {
    r.next_delay = delay_for(&e, now);
    r.forgotten_in = e.last + cfg_.block_time - now;
  }
  return r;
}

std::vector<AuthThrottle::Row> AuthThrottle::rows(Time now) const {
  std::vector<Row> out;
  for (const auto& [addr, e] : sources_) {
    if (stale(e, now)) continue;
    out.push_back(row(e, now));
    out.back().key = Ipv4{addr}.str();
  }
  for (const auto& [name, e] : users_) {
    if (stale(e, now)) continue;
    out.push_back(row(e, now));
    out.back().is_user = true;
    out.back().key = name;
  }
  std::sort(out.begin(), out.end(), [](const Row& a, const Row& b) {
    return std::tie(a.is_user, a.key) < std::tie(b.is_user, b.key);
  });
  return out;
}

size_t AuthThrottle::clear(std::string_view target) {
  if (target == "all") {
    size_t n = sources_.size() + users_.size();
    sources_.clear();
    users_.clear();
    return n;
  }
  size_t n = users_.erase(name_key(target));
  if (auto a = Ipv4::parse(target)) n += sources_.erase(a->value);
  return n;
}

}  // namespace pptpx::server

// SPDX-License-Identifier: MIT
#include "app/server/admission.h"

namespace pptpx::server {

void WaitingConnections::add(uint64_t id, Ipv4 source) {
  if (!by_id_.emplace(id, source).second) return;
  by_source_[source.value]++;
}

void WaitingConnections::remove(uint64_t id) {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return;
  auto s = by_source_.find(it->second.value);
  if (s != by_source_.end() && --s->second == 0) by_source_.erase(s);
  by_id_.erase(it);
}

size_t WaitingConnections::from(Ipv4 source) const {
  auto it = by_source_.find(source.value);
  return it == by_source_.end() ? 0 : it->second;
}

std::optional<uint64_t> WaitingConnections::oldest() const {
  if (by_id_.empty()) return std::nullopt;
  return by_id_.begin()->first;
}

SourceThrottle::SourceThrottle(size_t capacity, Duration period)
    : capacity_(capacity), period_(period) {}

SourceThrottle::Verdict SourceThrottle::note(Ipv4 source, Time now) {
  auto it = table_.find(source.value);
  if (it != table_.end()) return note(it->second, now);
  if (table_.size() >= capacity_) expire(now);
  if (table_.size() < capacity_) {
    table_[source.value].last = now;
    return {true, 0};
  }
  if (!others_) {
    others_ = Entry{now, 0};
    return {true, 0};
  }
  return note(*others_, now);
}

bool SourceThrottle::recent(Ipv4 source, Time now) const {
  auto it = table_.find(source.value);
  if (it != table_.end()) return now - it->second.last < period_;
  // A full table: the sources beyond it are suspects together.
  return table_.size() >= capacity_ && others_ && now - others_->last < period_;
}

SourceThrottle::Verdict SourceThrottle::note(Entry& e, Time now) {
  if (now - e.last < period_) {
    e.suppressed++;
    return {false, 0};
  }
  Verdict v{true, e.suppressed};
  e.last = now;
  e.suppressed = 0;
  return v;
}

// Forgets the sources whose period is over; their unwritten counts go with
// them (the next line about such a source is written at once anyway). The
// table holds at most capacity_ entries, so this is bounded work.
void SourceThrottle::expire(Time now) {
  for (auto it = table_.begin(); it != table_.end();) {
    if (now - it->second.last >= period_)
      it = table_.erase(it);
    else
      ++it;
  }
}

}  // namespace pptpx::server

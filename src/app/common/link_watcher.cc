// SPDX-License-Identifier: MIT
// Watching link notifications for the application's pppN (see link_watcher.h).
#include "app/common/link_watcher.h"

#include <algorithm>
#include <optional>
#include <unordered_map>

#include "app/common/platform.h"

namespace pptpx::app {

namespace {

using Kind = io::LinkEvent::Kind;

// An interface the events delete or set down, and how; a deletion wins.
std::unordered_map<unsigned, Kind> losses_in(std::span<const io::LinkEvent> events) {
  std::unordered_map<unsigned, Kind> out;
  for (const io::LinkEvent& ev : events) {
    if (ev.kind == Kind::kDeleted)
      out[ev.ifindex] = Kind::kDeleted;
    else if (ev.kind == Kind::kDown)
      out.emplace(ev.ifindex, Kind::kDown);
  }
  return out;
}

// The interface as the kernel has it now, after lost notifications.
std::optional<LinkLoss> checked(const OwnInterface& own, io::LinkControl& links) {
  auto state = links.link_state(own.ifindex);
  if (!state) return std::nullopt;
  if (*state == io::LinkState::kGone) return LinkLoss::kRemoved;
  if (*state == io::LinkState::kDown && own.up) return LinkLoss::kSetDown;
  return std::nullopt;
}

// An interface that went down. `ip link del` of an up interface says so
// first, and its RTM_DELLINK can come in a later read; asked now, the
// kernel answers that it is gone (the deletion goes on at once, under the
// RTNL lock), so a removal is not reported as a setting down. Should the
// answer still say down, the loss is logged as a setting down.
LinkLoss went_down(const OwnInterface& own, io::LinkControl& links) {
  auto state = links.link_state(own.ifindex);
  return state && *state == io::LinkState::kGone ? LinkLoss::kRemoved : LinkLoss::kSetDown;
}

}  // namespace

const char* describe(LinkLoss loss) { return loss == LinkLoss::kRemoved ? "removed" : "set down"; }

std::vector<LostInterface> lost_interfaces(std::span<const io::LinkEvent> events,
                                           std::span<const OwnInterface> ours,
                                           io::LinkControl& links) {
  const bool overflow = std::any_of(events.begin(), events.end(), [](const io::LinkEvent& e) {
    return e.kind == Kind::kOverflow;
  });
  const auto losses = losses_in(events);
  std::vector<LostInterface> out;
  for (const OwnInterface& own : ours) {
    std::optional<LinkLoss> loss;
    if (auto it = losses.find(own.ifindex); it != losses.end()) {
      if (it->second == Kind::kDeleted)
        loss = LinkLoss::kRemoved;
      else if (own.up)
        loss = went_down(own, links);
    }
    if (!loss && overflow) loss = checked(own, links);
    if (loss) out.push_back({own.ifindex, *loss});
  }
  return out;
}

LinkWatcher::~LinkWatcher() {
  if (watch_) loop_.remove(watch_->fd());
}

void LinkWatcher::start(Platform& platform, Ours ours, Lost lost) {
  auto w = platform.watch_links();
  std::error_code ec = w ? std::error_code{} : w.error();
  if (!ec) ec = loop_.add(w.value()->fd(), io::kReadable, [this](uint32_t) { on_readable(); });
  if (ec) {
    log_.warn("cannot watch link notifications: {}; pppN removed from outside goes unnoticed",
              ec.message());
    return;
  }
  watch_ = std::move(w.value());
  links_ = &platform.links();
  ours_ = std::move(ours);
  lost_ = std::move(lost);
}

void LinkWatcher::on_readable() {
  events_.clear();
  if (auto ec = watch_->read(events_)) log_.debug("link notifications: {}", ec.message());
  bool overflow = false, loss = false;
  for (const io::LinkEvent& ev : events_) {
    overflow = overflow || ev.kind == Kind::kOverflow;
    loss = loss || ev.kind == Kind::kDeleted || ev.kind == Kind::kDown;
  }
  if (overflow) log_.info("link notifications were lost; checking every interface again");
  if (!overflow && !loss) return;
  std::vector<OwnInterface> ours = ours_();
  // lost_ may end links: it is called with a list made before.
  for (const LostInterface& l : lost_interfaces(events_, ours, *links_)) lost_(l);
}

}  // namespace pptpx::app

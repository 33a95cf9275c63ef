// SPDX-License-Identifier: MIT
// pppN interfaces removed or set down from outside the program (`ip link
// del ppp0`, `ip link set ppp0 down`): LinkWatcher reads the platform's link
// notifications on the event loop and tells the application which of its
// interfaces are lost, so that it ends that link at once instead of keeping
// a session whose traffic goes nowhere. Interfaces are known by ifindex:
// the kernel does not reuse one soon, while a name (ppp0) comes back with
// the next session.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "base/log.h"
#include "io/event_loop.h"
#include "io/link_watch.h"
#include "io/netlink.h"

namespace pptpx::app {

class Platform;

enum class LinkLoss { kRemoved, kSetDown };
// "removed" or "set down", for log lines and LCP Terminate reasons.
const char* describe(LinkLoss loss);

// One of the application's interfaces. up: the application has brought it
// up, so down is a loss (until then pppN is down by design).
struct OwnInterface {
  unsigned ifindex = 0;
  bool up = false;
};

struct LostInterface {
  unsigned ifindex = 0;
  LinkLoss loss = LinkLoss::kRemoved;
};

// What a batch of link events means for `ours`: each interface deleted, or
// set down while up, once; a removal wins over a setting down in the same
// batch, and one set down is asked of links whether it is gone meanwhile.
// After an overflow each of ours the events do not settle is asked of links
// (one that cannot be asked is left alone).
std::vector<LostInterface> lost_interfaces(std::span<const io::LinkEvent> events,
                                           std::span<const OwnInterface> ours,
                                           io::LinkControl& links);

class LinkWatcher {
 public:
  // The application's interfaces now (with no pppN ending already).
  using Ours = std::function<std::vector<OwnInterface>()>;
  // One lost interface; the application ends its link.
  using Lost = std::function<void(const LostInterface&)>;

  LinkWatcher(io::EventLoop& loop, Logger log) : loop_(loop), log_(std::move(log)) {}
  ~LinkWatcher();
  LinkWatcher(const LinkWatcher&) = delete;
  LinkWatcher& operator=(const LinkWatcher&) = delete;

  // Subscribes through platform (which must outlive the watcher); from then
  // on each batch of notifications that deletes or sets down an interface
  // (or lost some) asks ours() and calls lost for each lost one, from the
  // loop. A failure is logged: the application runs on without.
  void start(Platform& platform, Ours ours, Lost lost);
  bool watching() const { return watch_ != nullptr; }

 private:
  void on_readable();

  io::EventLoop& loop_;
  Logger log_;
  io::LinkControl* links_ = nullptr;
  std::unique_ptr<io::LinkWatch> watch_;
  std::vector<io::LinkEvent> events_;
  Ours ours_;
  Lost lost_;
};

}  // namespace pptpx::app

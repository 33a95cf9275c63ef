// SPDX-License-Identifier: MIT
// One call's timer on the event loop, armed at session::Call::next_deadline().
// It only ever moves earlier: a timer that fires before anything is due
// just re-arms itself, so the data path does not re-arm (and allocate) on
// every packet as GRE acks come and go.
#pragma once

#include <functional>

#include "base/time.h"
#include "io/event_loop.h"

namespace pptpx::app {

class CallTimer {
 public:
  explicit CallTimer(io::EventLoop& loop) : loop_(loop) {}
  ~CallTimer() { cancel(); }
  CallTimer(const CallTimer&) = delete;
  CallTimer& operator=(const CallTimer&) = delete;

  // Arms for `when` unless already armed no later; fn runs from the loop.
  template <class F>
  void arm(Time when, F&& fn) {
    if (when == kNever || (id_ && armed_ <= when)) return;
    armed_ = when;
    loop_.rearm_timer(&id_, when, [this, f = std::forward<F>(fn)] {
      id_ = 0;
      armed_ = kNever;
      f();
    });
  }
  void cancel() {
    if (id_) loop_.cancel_timer(id_);
    id_ = 0;
    armed_ = kNever;
  }

 private:
  io::EventLoop& loop_;
  io::EventLoop::TimerId id_ = 0;
  Time armed_ = kNever;
};

}  // namespace pptpx::app

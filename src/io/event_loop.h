// SPDX-License-Identifier: MIT
// Single-threaded epoll event loop: fd readiness callbacks, one-shot timers
// on the steady clock, and signals delivered through a signalfd.
//
// Cores are sans-I/O and report next_deadline(); the app keeps one timer per
// session and re-arms it after each input. Callbacks may add or remove fds
// and timers (including their own) while the loop dispatches.
#pragma once

#include <signal.h>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/time.h"
#include "io/result.h"

namespace pptpx::io {

// Interest and event bits for fd callbacks.
enum : uint32_t {
  kReadable = 1u << 0,
  kWritable = 1u << 1,
  kError = 1u << 2,   // only reported, never requested
  kHangup = 1u << 3,  // only reported, never requested
};

class EventLoop {
 public:
  using IoCallback = std::function<void(uint32_t events)>;
  using TimerCallback = std::function<void()>;
  using SignalCallback = std::function<void(int signo)>;
  using TimerId = uint64_t;  // 0 is never a valid id

  // create() handles SIGTERM, SIGINT, SIGHUP, SIGCHLD and SIGUSR1. The given
  // signals are blocked in the calling thread (the mask is restored on
  // destruction) and read from a signalfd instead.
  static Result<std::unique_ptr<EventLoop>> create();
  static Result<std::unique_ptr<EventLoop>> create(std::initializer_list<int> signals);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Level-triggered. One registration per fd; add() of a registered fd fails.
  [[nodiscard]] std::error_code add(int fd, uint32_t interest, IoCallback cb);
  [[nodiscard]] std::error_code modify(int fd, uint32_t interest);
  // Safe from inside any callback; pending events for fd are discarded.
  void remove(int fd);
  bool watching(int fd) const { return fds_.count(fd) != 0; }

  // One-shot timer. Deadlines in the past fire on the next iteration.
  TimerId add_timer(Time when, TimerCallback cb);
  TimerId add_timer_after(Duration d, TimerCallback cb) {
    return add_timer(now() + d, std::move(cb));
  }
  // Returns false if the id already fired or was cancelled.
  bool cancel_timer(TimerId id);
  // Cancels *id if set, then arms a new timer at when (kNever: none) and
  // stores its id (0 when none). The usual "one timer per session" helper.
  void rearm_timer(TimerId* id, Time when, TimerCallback cb);
  Time next_timer() const { return timers_.empty() ? kNever : timers_.begin()->first.first; }
  size_t timer_count() const { return timers_.size(); }

  // Several handlers per signal are allowed; all run, in registration order.
  // signo must be one of the signals given to create().
  void on_signal(int signo, SignalCallback cb);

  Time now() const { return Clock::now(); }

  // One iteration: waits up to max_wait (or the earliest timer) for events,
  // dispatches them, then runs due timers. EINTR is not an error.
  [[nodiscard]] std::error_code run_once(Duration max_wait = Duration::max());
  // Loops until stop(); returns the error that ended it, if any.
  [[nodiscard]] std::error_code run();
  void stop() { stopped_ = true; }
  bool stopped() const { return stopped_; }

 private:
  struct Watch {
    uint64_t token;
    uint32_t interest;
    std::shared_ptr<IoCallback> cb;
  };
  EventLoop() = default;
  [[nodiscard]] std::error_code init(std::initializer_list<int> signals);
  void read_signals();
  void run_timers();

  Fd epoll_;
  Fd signal_fd_;
  sigset_t signals_{};
  bool restore_mask_ = false;
  sigset_t old_mask_{};
  uint64_t next_token_ = 1;
  std::unordered_map<int, Watch> fds_;
  std::unordered_map<uint64_t, int> tokens_;
  TimerId next_timer_id_ = 1;
  std::map<std::pair<Time, TimerId>, TimerCallback> timers_;
  std::unordered_map<TimerId, Time> timer_when_;
  std::unordered_map<int, std::vector<SignalCallback>> signal_handlers_;
  bool stopped_ = false;
};

}  // namespace pptpx::io

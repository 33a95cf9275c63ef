// SPDX-License-Identifier: MIT
// epoll + signalfd event loop (see event_loop.h).
#include "io/event_loop.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>

namespace pptpx::io {
namespace {

uint32_t to_epoll(uint32_t interest) {
  uint32_t ev = 0;
  if (interest & kReadable) ev |= EPOLLIN | EPOLLRDHUP;
  if (interest & kWritable) ev |= EPOLLOUT;
  return ev;
}

uint32_t from_epoll(uint32_t ev) {
  uint32_t out = 0;
  if (ev & (EPOLLIN | EPOLLPRI | EPOLLRDHUP)) out |= kReadable;
  if (ev & EPOLLOUT) out |= kWritable;
  if (ev & EPOLLERR) out |= kError;
  if (ev & (EPOLLHUP | EPOLLRDHUP)) out |= kHangup;
  return out;
}

// The signalfd watch uses token 0, which add() never hands out.
constexpr uint64_t kSignalToken = 0;

}  // namespace

Result<std::unique_ptr<EventLoop>> EventLoop::create() {
  return create({SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGUSR1});
}

Result<std::unique_ptr<EventLoop>> EventLoop::create(std::initializer_list<int> signals) {
  std::unique_ptr<EventLoop> loop(new EventLoop());
  if (auto ec = loop->init(signals)) return ec;
  return loop;
}

std::error_code EventLoop::init(std::initializer_list<int> signals) {
  epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_.valid()) return errno_error();
  sigemptyset(&signals_);
  for (int s : signals) sigaddset(&signals_, s);
  if (signals.size() == 0) return {};
  if (::sigprocmask(SIG_BLOCK, &signals_, &old_mask_) < 0) return errno_error();
  restore_mask_ = true;
  signal_fd_.reset(::signalfd(-1, &signals_, SFD_NONBLOCK | SFD_CLOEXEC));
  if (!signal_fd_.valid()) return errno_error();
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kSignalToken;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, signal_fd_.get(), &ev) < 0) return errno_error();
  return {};
}

EventLoop::~EventLoop() {
  signal_fd_.reset();
  if (restore_mask_) ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
}

std::error_code EventLoop::add(int fd, uint32_t interest, IoCallback cb) {
  if (fd < 0) return std::make_error_code(std::errc::bad_file_descriptor);
  if (fds_.count(fd)) return std::make_error_code(std::errc::file_exists);
  uint64_t token = next_token_++;
  epoll_event ev{};
  ev.events = to_epoll(interest);
  ev.data.u64 = token;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) < 0) return errno_error();
  fds_[fd] = Watch{token, interest, std::make_shared<IoCallback>(std::move(cb))};
  tokens_[token] = fd;
  return {};
}

std::error_code EventLoop::modify(int fd, uint32_t interest) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return std::make_error_code(std::errc::no_such_file_or_directory);
  if (it->second.interest == interest) return {};
  epoll_event ev{};
  ev.events = to_epoll(interest);
  ev.data.u64 = it->second.token;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &ev) < 0) return errno_error();
  it->second.interest = interest;
  return {};
}

void EventLoop::remove(int fd) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return;
  // The fd may already be closed by the caller; EBADF is harmless here.
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
  tokens_.erase(it->second.token);
  fds_.erase(it);
}

EventLoop::TimerId EventLoop::add_timer(Time when, TimerCallback cb) {
  TimerId id = next_timer_id_++;
  timers_.emplace(std::make_pair(when, id), std::move(cb));
  timer_when_[id] = when;
  return id;
}

bool EventLoop::cancel_timer(TimerId id) {
  auto it = timer_when_.find(id);
  if (it == timer_when_.end()) return false;
  timers_.erase({it->second, id});
  timer_when_.erase(it);
  return true;
}

void EventLoop::rearm_timer(TimerId* id, Time when, TimerCallback cb) {
  if (*id) cancel_timer(*id);
  *id = when == kNever ? 0 : add_timer(when, std::move(cb));
}

void EventLoop::on_signal(int signo, SignalCallback cb) {
  signal_handlers_[signo].push_back(std::move(cb));
}

void EventLoop::read_signals() {
  std::array<signalfd_siginfo, 16> infos;
  for (;;) {
    ssize_t n = ::read(signal_fd_.get(), infos.data(), sizeof(infos));
    if (n <= 0) return;
    size_t count = static_cast<size_t>(n) / sizeof(signalfd_siginfo);
    for (size_t i = 0; i < count; ++i) {
      int signo = static_cast<int>(infos[i].ssi_signo);
      auto it = signal_handlers_.find(signo);
      if (it == signal_handlers_.end()) continue;
      // Copy: a handler may register more handlers.
      auto handlers = it->second;
      for (auto& h : handlers) h(signo);
    }
  }
}

void EventLoop::run_timers() {
  Time t = now();
  // Only timers due now; ones added by callbacks for "now" wait one round, so
  // a callback that re-arms itself at a past time cannot starve the fds.
  std::vector<TimerId> due;
  for (auto& [key, cb] : timers_) {
    if (key.first > t) break;
    due.push_back(key.second);
  }
  for (TimerId id : due) {
    auto w = timer_when_.find(id);
    if (w == timer_when_.end()) continue;  // cancelled by an earlier callback
    auto node = timers_.extract({w->second, id});
    timer_when_.erase(w);
    if (!node.empty() && node.mapped()) node.mapped()();
  }
}

std::error_code EventLoop::run_once(Duration max_wait) {
  Time deadline = next_timer();
  Time t = now();
  int timeout_ms = -1;
  Duration wait = max_wait;
  if (deadline != kNever) wait = std::min(wait, deadline > t ? deadline - t : Duration::zero());
  if (wait != Duration::max()) {
    // Round up so a timer is never polled for early and spun on.
    auto ms = std::chrono::ceil<std::chrono::milliseconds>(wait).count();
    timeout_ms = static_cast<int>(std::clamp<int64_t>(ms, 0, int64_t{24} * 3600 * 1000));
  }
  std::array<epoll_event, 64> events;
  int n = ::epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()), timeout_ms);
  if (n < 0) {
    if (errno == EINTR) return {};
    return errno_error();
  }
  for (int i = 0; i < n; ++i) {
    uint64_t token = events[i].data.u64;
    if (token == kSignalToken) {
      read_signals();
      continue;
    }
    auto t_it = tokens_.find(token);
    if (t_it == tokens_.end()) continue;  // removed by an earlier callback
    auto f_it = fds_.find(t_it->second);
    if (f_it == fds_.end()) continue;
    // Hold the callback alive: it may remove its own registration.
    std::shared_ptr<IoCallback> cb = f_it->second.cb;
    (*cb)(from_epoll(events[i].events));
  }
  run_timers();
  return {};
}

std::error_code EventLoop::run() {
  stopped_ = false;
  while (!stopped_) {
    if (auto ec = run_once()) return ec;
  }
  return {};
}

}  // namespace pptpx::io

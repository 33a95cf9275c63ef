// SPDX-License-Identifier: MIT
// EventLoop: fds, timers (order, cancel, re-arm), signals via signalfd.
#include "io/event_loop.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <vector>

namespace pptpx::io {
namespace {

std::unique_ptr<EventLoop> make_loop() {
  auto loop = EventLoop::create();
  EXPECT_TRUE(loop.ok()) << loop.error().message();
  return std::move(loop).value();
}

TEST(EventLoop, TimersFireInDeadlineOrder) {
  auto loop = make_loop();
  std::vector<int> order;
  Time t0 = loop->now();
  loop->add_timer(t0 + milliseconds(30), [&] { order.push_back(3); });
  loop->add_timer(t0 + milliseconds(10), [&] { order.push_back(1); });
  loop->add_timer(t0 + milliseconds(20), [&] { order.push_back(2); });
  EXPECT_EQ(loop->next_timer(), t0 + milliseconds(10));
  while (order.size() < 3) ASSERT_FALSE(loop->run_once(seconds(2)));
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_GE(loop->now(), t0 + milliseconds(30));
  EXPECT_EQ(loop->timer_count(), 0u);
  EXPECT_EQ(loop->next_timer(), kNever);
}

TEST(EventLoop, CancelAndRearm) {
  auto loop = make_loop();
  int fired = 0;
  auto id = loop->add_timer_after(milliseconds(5), [&] { fired += 100; });
  EXPECT_TRUE(loop->cancel_timer(id));
  EXPECT_FALSE(loop->cancel_timer(id));
  EventLoop::TimerId session = 0;
  loop->rearm_timer(&session, loop->now() + seconds(60), [&] { fired += 10; });
  EXPECT_NE(session, 0u);
  loop->rearm_timer(&session, loop->now() + milliseconds(5), [&] { fired += 1; });
  EXPECT_EQ(loop->timer_count(), 1u);
  while (fired == 0) ASSERT_FALSE(loop->run_once(seconds(2)));
  EXPECT_EQ(fired, 1);
  loop->rearm_timer(&session, kNever, [] {});
  EXPECT_EQ(session, 0u);
  EXPECT_EQ(loop->timer_count(), 0u);
}

TEST(EventLoop, TimerCallbackCancelsAnother) {
  auto loop = make_loop();
  Time t = loop->now();
  EventLoop::TimerId second = 0;
  int fired = 0;
  loop->add_timer(t, [&] {
    ++fired;
    loop->cancel_timer(second);
  });
  second = loop->add_timer(t, [&] { fired += 100; });
  ASSERT_FALSE(loop->run_once(seconds(1)));
  EXPECT_EQ(fired, 1);
}

TEST(EventLoop, SignalThroughSignalfd) {
  auto loop = make_loop();
  std::vector<int> got;
  loop->on_signal(SIGHUP, [&](int s) { got.push_back(s); });
  loop->on_signal(SIGHUP, [&](int s) { got.push_back(-s); });
  loop->on_signal(SIGUSR1, [&](int s) {
    got.push_back(s);
    loop->stop();
  });
  ASSERT_EQ(::raise(SIGHUP), 0);
  ASSERT_EQ(::raise(SIGUSR1), 0);
  loop->add_timer_after(seconds(5), [&] { loop->stop(); });
  ASSERT_FALSE(loop->run());
  EXPECT_EQ(got, (std::vector<int>{SIGHUP, -SIGHUP, SIGUSR1}));
}

TEST(EventLoop, FdReadableAndRemoveInsideCallback) {
  auto loop = make_loop();
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  int calls = 0;
  uint32_t seen = 0;
  ASSERT_FALSE(loop->add(p[0], kReadable, [&](uint32_t ev) {
    ++calls;
    seen = ev;
    char c;
    EXPECT_EQ(::read(p[0], &c, 1), 1);
    loop->remove(p[0]);
  }));
  EXPECT_TRUE(loop->add(p[0], kReadable, [](uint32_t) {}));  // already registered
  ASSERT_EQ(::write(p[1], "ab", 2), 2);
  ASSERT_FALSE(loop->run_once(seconds(1)));
  ASSERT_FALSE(loop->run_once(milliseconds(20)));  // removed: no second call
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(seen & kReadable);
  EXPECT_FALSE(loop->watching(p[0]));

  // Writable interest on the write end, toggled with modify().
  int writable = 0;
  ASSERT_FALSE(loop->add(p[1], 0, [&](uint32_t ev) { writable += (ev & kWritable) ? 1 : 0; }));
  ASSERT_FALSE(loop->run_once(milliseconds(10)));
  EXPECT_EQ(writable, 0);
  ASSERT_FALSE(loop->modify(p[1], kWritable));
  ASSERT_FALSE(loop->run_once(milliseconds(100)));
  EXPECT_EQ(writable, 1);
  loop->remove(p[1]);
  ::close(p[0]);
  ::close(p[1]);
}

TEST(EventLoop, RunOnceWaitsForTimeout) {
  auto loop = make_loop();
  Time t0 = loop->now();
  ASSERT_FALSE(loop->run_once(milliseconds(30)));
  EXPECT_GE(loop->now() - t0, milliseconds(29));
}

}  // namespace
}  // namespace pptpx::io

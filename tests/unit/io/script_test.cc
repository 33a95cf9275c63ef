// SPDX-License-Identifier: MIT
// ScriptRunner: exact argv and environment, exit statuses, reaping on
// SIGCHLD, missing scripts, synchronous wait with a timeout.
#include "io/script.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <sstream>

#include "test_util.h"

namespace pptpx::io {
namespace {

using test::slurp;

void write_script(const std::string& path, const std::string& body) {
  std::ofstream(path) << "#!/bin/sh\n" << body;
  ::chmod(path.c_str(), 0755);
}

class ScriptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto l = EventLoop::create();
    ASSERT_TRUE(l.ok());
    loop = std::move(l).value();
    runner = std::make_unique<ScriptRunner>(*loop, Logger(sink));
  }
  void run_until(const bool& flag) {
    for (int i = 0; i < 500 && !flag; ++i) ASSERT_FALSE(loop->run_once(milliseconds(20)));
  }
  MemoryLogSink sink;
  std::unique_ptr<EventLoop> loop;
  std::unique_ptr<ScriptRunner> runner;
  test::TempDir dir;
};

TEST_F(ScriptTest, ExactArgvEnvAndExitCode) {
  std::string out = dir.file("out");
  write_script(dir.file("ip-up"),
               "for a in \"$@\"; do printf '[%s]' \"$a\"; done > " + out + "\necho >> " + out +
                   "\n/usr/bin/env | /usr/bin/sort >> " + out + "\n[ -t 0 ] && echo tty >> " + out +
                   "\nread x && echo stdin >> " + out + "\necho to-stdout\nexit 7\n");
  bool done = false;
  pid_t done_pid = 0;
  ExitStatus status;
  auto pid =
      runner->spawn(dir.file("ip-up"), {"ip-up", "ppp0", "", "115200", "10.0.0.1", "10.0.0.2"},
                    {"PEERNAME=user1", "IFNAME=ppp0", "MULTI=a b c"}, [&](pid_t p, ExitStatus s) {
                      done = true;
                      done_pid = p;
                      status = s;
                    });
  ASSERT_TRUE(pid.ok()) << pid.error().message();
  ASSERT_GT(*pid, 0);
  EXPECT_TRUE(runner->is_running(*pid));
  run_until(done);
  ASSERT_TRUE(done);
  EXPECT_EQ(done_pid, *pid);
  EXPECT_TRUE(status.exited);
  EXPECT_EQ(status.code, 7);
  EXPECT_FALSE(status.success());
  EXPECT_EQ(runner->running(), 0u);
  // /bin/sh adds PWD (and may add SHLVL or _); the rest must be exactly ours.
  std::string text = slurp(out);
  std::istringstream lines(text);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line, "[ppp0][][115200][10.0.0.1][10.0.0.2]");
  std::vector<std::string> env;
  while (std::getline(lines, line)) {
    if (line.rfind("PWD=", 0) == 0 || line.rfind("SHLVL=", 0) == 0 || line.rfind("_=", 0) == 0)
      continue;
    env.push_back(line);
  }
  EXPECT_EQ(env, (std::vector<std::string>{"IFNAME=ppp0", "MULTI=a b c", "PEERNAME=user1"}));
}

TEST_F(ScriptTest, MissingOrNotExecutableIsSkipped) {
  auto pid = runner->spawn(dir.file("nope"), {"nope"}, {}, [](pid_t, ExitStatus) { FAIL(); });
  ASSERT_TRUE(pid.ok());
  EXPECT_EQ(*pid, 0);
  std::ofstream(dir.file("plain")) << "#!/bin/sh\nexit 0\n";
  ::chmod(dir.file("plain").c_str(), 0644);
  pid = runner->spawn(dir.file("plain"), {"plain"}, {}, [](pid_t, ExitStatus) { FAIL(); });
  ASSERT_TRUE(pid.ok());
  EXPECT_EQ(*pid, 0);
  EXPECT_EQ(runner->running(), 0u);
}

TEST_F(ScriptTest, KilledBySignalAndSyncWait) {
  write_script(dir.file("slow"), "exec /bin/sleep 10\n");
  int calls = 0;
  ExitStatus last;
  auto pid = runner->spawn(dir.file("slow"), {"slow"}, {}, [&](pid_t, ExitStatus s) {
    ++calls;
    last = s;
  });
  ASSERT_TRUE(pid.ok());
  ASSERT_GT(*pid, 0);
  // Its own process group.
  EXPECT_EQ(::getpgid(*pid), *pid);
  EXPECT_FALSE(runner->wait(*pid, milliseconds(50)).has_value());
  EXPECT_TRUE(runner->is_running(*pid));
  runner->kill(*pid, SIGTERM);
  auto st = runner->wait(*pid, seconds(5));
  ASSERT_TRUE(st.has_value());
  EXPECT_FALSE(st->exited);
  EXPECT_EQ(st->signal, SIGTERM);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(last.signal, SIGTERM);

  write_script(dir.file("quick"), "exit 0\n");
  pid = runner->spawn(dir.file("quick"), {"quick"}, {}, nullptr);
  ASSERT_TRUE(pid.ok());
  st = runner->wait(*pid, seconds(5));
  ASSERT_TRUE(st.has_value());
  EXPECT_TRUE(st->success());
}

TEST_F(ScriptTest, SeveralChildrenReapedTogether) {
  write_script(dir.file("code"), "exit $1\n");
  std::map<pid_t, int> want, got;
  for (int i = 1; i <= 5; ++i) {
    auto pid = runner->spawn(dir.file("code"), {"code", std::to_string(i)}, {},
                             [&](pid_t p, ExitStatus s) { got[p] = s.code; });
    ASSERT_TRUE(pid.ok());
    want[*pid] = i;
  }
  bool all = false;
  for (int i = 0; i < 500 && !all; ++i) {
    ASSERT_FALSE(loop->run_once(milliseconds(20)));
    all = got.size() == want.size();
  }
  EXPECT_EQ(got, want);
}

}  // namespace
}  // namespace pptpx::io

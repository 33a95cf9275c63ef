// SPDX-License-Identifier: MIT
#include "io/capabilities.h"

#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/wait.h>
#include <unistd.h>

namespace pptpx::io {
namespace {

TEST(Capabilities, Names) {
  EXPECT_EQ(cap_names(0), "none");
  EXPECT_EQ(cap_names(cap_bit(CAP_NET_ADMIN)), "cap_net_admin");
  EXPECT_EQ(cap_names(0x3401), "cap_chown,cap_net_bind_service,cap_net_admin,cap_net_raw");
  EXPECT_EQ(cap_names(cap_bit(62)), "cap_62");
}

TEST(Capabilities, ReadsOwnSets) {
  auto s = read_capabilities();
  ASSERT_TRUE(s);
  // The effective set is always within the permitted set.
  EXPECT_EQ(s->effective & ~s->permitted, 0u);
  if (::geteuid() == 0) {
    EXPECT_NE(s->bounding, 0u);
  }
}

// In a child, so the test process keeps its capabilities: what is left is
// exactly what was asked for, of what the process had.
TEST(Capabilities, LimitLeavesTheAskedSets) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  auto before = read_capabilities();
  ASSERT_TRUE(before);
  const CapMask bound = cap_bit(CAP_NET_ADMIN) | cap_bit(CAP_NET_RAW) | cap_bit(CAP_CHOWN);
  const CapMask used = cap_bit(CAP_NET_ADMIN);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (limit_capabilities(used, bound)) _exit(10);
    auto after = read_capabilities();
    if (!after) _exit(11);
    if (after->effective != (before->permitted & used)) _exit(12);
    if (after->permitted != (before->permitted & bound)) _exit(13);
    if (after->bounding != (before->bounding & bound)) _exit(14);
    if (after->inheritable != 0 || after->ambient != 0) _exit(15);
    // Gone for good: the bounding set cannot grow back.
    if (limit_capabilities(~CapMask{0}, ~CapMask{0})) _exit(16);
    auto again = read_capabilities();
    if (!again || again->bounding != after->bounding) _exit(17);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace pptpx::io

// SPDX-License-Identifier: MIT
// io::find_port_owner: the /proc/net/tcp{,6} parsing and the fd search, on a
// made-up /proc in a temp folder, then on the real one with a listener of
// this process.
#include "io/port_owner.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "io/tcp.h"
#include "support/temp_dir.h"

namespace pptpx::io {
namespace {

const Ipv4 kAny{};
const Ipv4 kLoopback{0x7F000001};
const Ipv4 kOther{0x0A000001};  // 10.0.0.1

const char* const kTcp =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
    "inode\n"
    // 0.0.0.0:1723, listening
    "   0: 00000000:06BB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 "
    "4242 1 0000000000000000 100 0 0 10 0\n"
    // 127.0.0.1:53, listening: another port
    "   1: 0100007F:0035 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 "
    "4343 1 0000000000000000 100 0 0 10 0\n"
    // 127.0.0.1:1723 established with 127.0.0.2:49152: not a listener
    "   2: 0100007F:06BB 0200007F:C000 01 00000000:00000000 00:00000000 00000000     0        0 "
    "4444 1 0000000000000000 100 0 0 10 0\n";

const char* const kTcpLoopbackOnly =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
    "inode\n"
    "   0: 0100007F:06BB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 "
    "77 1 0000000000000000 100 0 0 10 0\n";

const char* const kTcp6 =
    "  sl  local_address                         remote_address                        st "
    "tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    // [::]:1723
    "   0: 00000000000000000000000000000000:06BB 00000000000000000000000000000000:0000 0A "
    "00000000:00000000 00:00000000 00000000     0        0 5151 1 0000000000000000 100 0 0 10 0\n"
    // [::1]:1723: a specific IPv6 address never conflicts with IPv4
    "   1: 00000000000000000000000001000000:06BB 00000000000000000000000000000000:0000 0A "
    "00000000:00000000 00:00000000 00000000     0        0 5252 1 0000000000000000 100 0 0 10 0\n"
    // [::ffff:127.0.0.1]:1723
    "   2: 0000000000000000FFFF00000100007F:06BB 00000000000000000000000000000000:0000 0A "
    "00000000:00000000 00:00000000 00000000     0        0 5353 1 0000000000000000 100 0 0 10 0\n";

using Inodes = std::vector<uint64_t>;

TEST(PortOwnerTest, ListenersOnThePortWithAConflictingAddress) {
  EXPECT_EQ(listening_inodes(kTcp, false, kAny, 1723), Inodes{4242});
  EXPECT_EQ(listening_inodes(kTcp, false, kOther, 1723), Inodes{4242});  // a wildcard holds it
  EXPECT_EQ(listening_inodes(kTcp, false, kAny, 53), Inodes{4343});
  EXPECT_EQ(listening_inodes(kTcp, false, kAny, 1724), Inodes{});
  EXPECT_EQ(listening_inodes(kTcpLoopbackOnly, false, kAny, 1723), Inodes{77});
  EXPECT_EQ(listening_inodes(kTcpLoopbackOnly, false, kLoopback, 1723), Inodes{77});
  EXPECT_EQ(listening_inodes(kTcpLoopbackOnly, false, kOther, 1723), Inodes{});
  EXPECT_EQ(listening_inodes(kTcp6, true, kAny, 1723), (Inodes{5151, 5353}));
  EXPECT_EQ(listening_inodes(kTcp6, true, kOther, 1723), Inodes{5151});
  EXPECT_EQ(listening_inodes("garbage\n\n0: zz:zz 0A", false, kAny, 1723), Inodes{});
}

TEST(PortOwnerTest, ServiceUnitFromTheCgroup) {
  EXPECT_EQ(service_unit("0::/system.slice/pptpd.service\n"), "pptpd.service");
  EXPECT_EQ(service_unit("0::/system.slice/system-pptpx.slice/pptpx@office.service\n"),
            "pptpx@office.service");
  EXPECT_EQ(service_unit("0::/user.slice/user-0.slice/session-3.scope\n"), "");
  EXPECT_EQ(service_unit("0::/\n"), "");
  EXPECT_EQ(service_unit(""), "");
}

void write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

TEST(PortOwnerTest, FindsTheProcessWhoseFdLinksToTheSocket) {
  test::TempDir proc;
  write(proc.file("net/tcp"), kTcp);
  write(proc.file("net/tcp6"), kTcp6);
  // pid 99 holds other things; pid 1234 the 0.0.0.0:1723 listener.
  std::filesystem::create_directories(proc.file("99/fd"));
  std::filesystem::create_directory_symlink("socket:[4343]", proc.file("99/fd/3"));
  write(proc.file("1234/comm"), "pptpd\n");
  write(proc.file("1234/cgroup"), "0::/system.slice/pptpd.service\n");
  std::filesystem::create_directories(proc.file("1234/fd"));
  std::filesystem::create_symlink("/dev/null", proc.file("1234/fd/0"));
  std::filesystem::create_symlink("socket:[4242]", proc.file("1234/fd/6"));
  std::filesystem::create_directories(proc.file("self/fd"));

  auto o = find_port_owner(kAny, 1723, proc.path());
  ASSERT_TRUE(o);
  EXPECT_EQ(o->pid, 1234);
  EXPECT_EQ(o->name, "pptpd");
  EXPECT_EQ(o->unit, "pptpd.service");
  auto dns = find_port_owner(kAny, 53, proc.path());
  ASSERT_TRUE(dns);
  EXPECT_EQ(dns->pid, 99);
  EXPECT_EQ(dns->name, "");
  EXPECT_FALSE(find_port_owner(kAny, 1724, proc.path()));
  EXPECT_FALSE(find_port_owner(kAny, 1723, proc.file("missing")));
}

TEST(PortOwnerTest, FindsThisProcessOnTheRealProc) {
  auto l = TcpListener::listen({kLoopback, 0});
  ASSERT_TRUE(l);
  auto a = l->local_address();
  ASSERT_TRUE(a);
  auto o = find_port_owner(kLoopback, a->port);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->pid, getpid());
  EXPECT_EQ(o->name, "io_test");
}

}  // namespace
}  // namespace pptpx::io

// SPDX-License-Identifier: MIT
// In-memory fakes of the system I/O the applications reach through
// app::Platform: the raw GRE socket (io::GreIo), pppN TUN devices
// (io::TunIo), the netlink calls that set them up (io::LinkControl) and
// link notifications (io::LinkWatch), with an administrator who removes an
// interface or sets it down from outside.
// With them pptpxd's Server and pptpx's Client run on a real io::EventLoop
// in unit tests, without root or namespaces.
//
// Each fake's fd() is an eventfd that is readable exactly while injected
// input waits, so the event loop wakes for it as it would for the socket or
// the device. What the application sends or writes is recorded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "app/common/platform.h"
#include "base/bytes.h"
#include "base/ip.h"
#include "io/gre_socket.h"
#include "io/link_watch.h"
#include "io/netlink.h"
#include "io/result.h"
#include "io/tun.h"

namespace pptpx::test {

struct FakeRegistry;

// An eventfd that is readable while a queue holds something.
class Readiness {
 public:
  Readiness();
  int fd() const { return fd_.get(); }
  void set(bool ready);

 private:
  io::Fd fd_;
  bool ready_ = false;
};

// A 20-octet IPv4 header (protocol `proto`, checksum filled in) then payload.
Bytes ipv4_datagram(Ipv4 src, Ipv4 dst, uint8_t proto, ByteView payload);

// One packet the application gave the GRE socket: the bytes as sent (GRE
// header first; the kernel would add the IPv4 header), where to, and from
// which source address (zero: the route's choice).
struct SentGre {
  Ipv4 dst;
  Ipv4 src;
  Bytes bytes;
};

class FakeGre final : public io::GreIo {
 public:
  explicit FakeGre(io::GreSocket::Options opts) : opts_(opts) {}
  ~FakeGre() override;

  int fd() const override { return ready_.fd(); }
  io::Result<size_t> recv_batch(io::GreRecvBatch& batch) override;
  size_t send_batch(io::GreSendBatch& batch) override;
  // The socket counters: packets in and out, truncated datagrams.
  const io::GreSocketStats& stats() const override { return stats_; }

  // A datagram as a raw socket delivers it: IPv4 header (from src) + GRE.
  void inject(Ipv4 src, ByteView datagram);
  // The same, with the IPv4 header made here (src -> dst, protocol 47).
  void inject_gre(Ipv4 src, Ipv4 dst, ByteView gre);
  size_t waiting() const { return in_.size(); }

  // Every packet sent so far, in order.
  const std::vector<SentGre>& sent() const { return sent_; }
  // The packets sent since the last take_sent().
  std::vector<SentGre> take_sent();
  const io::GreSocket::Options& options() const { return opts_; }
  // Datagrams larger than the application's receive buffer (dropped).
  uint64_t truncated() const { return truncated_; }

 private:
  friend class FakePlatform;
  struct Datagram {
    Ipv4 src;
    Bytes bytes;
  };
  io::GreSocket::Options opts_;
  Readiness ready_;
  std::deque<Datagram> in_;
  std::vector<SentGre> sent_;
  size_t taken_ = 0;
  uint64_t truncated_ = 0;
  io::GreSocketStats stats_;
  std::shared_ptr<FakeRegistry> registry_;
};

class FakeTun final : public io::TunIo {
 public:
  FakeTun(unsigned unit, unsigned ifindex);
  ~FakeTun() override;

  int fd() const override { return ready_.fd(); }
  const std::string& name() const override { return name_; }
  unsigned ifindex() const override { return ifindex_; }
  size_t read_batch(std::span<const MutableByteView> bufs, size_t offset,
                    std::span<size_t> lens) override;
  size_t write_batch(std::span<const ByteView> packets) override;
  std::error_code disable_ipv6() override;

  unsigned unit() const { return unit_; }
  // An IP packet "from the kernel": the application reads it.
  void inject(ByteView ip);
  size_t waiting() const { return in_.size(); }
  // Every packet the application wrote to "the kernel", in order.
  const std::vector<Bytes>& written() const { return written_; }
  bool ipv6_disabled() const { return ipv6_disabled_; }
  // Packets too large for the reader's buffer (dropped).
  uint64_t too_big() const { return too_big_; }

 private:
  friend class FakePlatform;
  unsigned unit_;
  unsigned ifindex_;
  std::string name_;
  Readiness ready_;
  std::deque<Bytes> in_;
  std::vector<Bytes> written_;
  bool ipv6_disabled_ = false;
  uint64_t too_big_ = 0;
  std::shared_ptr<FakeRegistry> registry_;
};

// Records what the application asked of each interface, by ifindex. An
// interface removed from outside (FakePlatform::remove_interface) answers
// every call with ENODEV, as the kernel does, and counts it.
class FakeLinks final : public io::LinkControl {
 public:
  struct Link {
    std::optional<bool> up;                        // last set_link_up, or set down from outside
    std::optional<unsigned> mtu;                   // last set_mtu
    std::vector<std::pair<Ipv4, Ipv4>> addresses;  // (local, peer), as they stand
    bool removed = false;                          // from outside
  };

  // Standing alone, every interface is gone to link_state; FakePlatform's
  // knows its TUN devices.
  FakeLinks() = default;
  explicit FakeLinks(std::shared_ptr<FakeRegistry> registry) : registry_(std::move(registry)) {}

  std::error_code set_link_up(unsigned ifindex, bool up) override;
  std::error_code set_mtu(unsigned ifindex, unsigned mtu) override;
  // EEXIST when the pair is there already, as the kernel answers.
  std::error_code add_address_ptp(unsigned ifindex, Ipv4 local, Ipv4 peer) override;
  std::error_code replace_address_ptp(unsigned ifindex, Ipv4 old_local, Ipv4 old_peer, Ipv4 local,
                                      Ipv4 peer) override;
  // kGone unless a live FakeTun has ifindex and it was not removed; kUp
  // when the application brought it up and nobody set it down since.
  io::Result<io::LinkState> link_state(unsigned ifindex) override;

  // nullptr when the application never touched ifindex.
  const Link* find(unsigned ifindex) const;
  // Every call in order, e.g. "addr 7 10.0.0.1 10.0.0.2", "mtu 7 1396", "up 7".
  const std::vector<std::string>& journal() const { return journal_; }
  // Calls (other than link_state) on an interface removed from outside.
  size_t calls_on_removed() const { return calls_on_removed_; }
  size_t state_queries() const { return state_queries_; }

 private:
  friend class FakePlatform;
  // ENODEV, counted, when ifindex was removed from outside.
  std::error_code refuse_removed(unsigned ifindex);

  std::shared_ptr<FakeRegistry> registry_;
  std::map<unsigned, Link> links_;
  std::vector<std::string> journal_;
  size_t calls_on_removed_ = 0;
  size_t state_queries_ = 0;
};

// Link notifications: what the test injects, in order, read in one batch.
class FakeLinkWatch final : public io::LinkWatch {
 public:
  ~FakeLinkWatch() override;
  int fd() const override { return ready_.fd(); }
  std::error_code read(std::vector<io::LinkEvent>& out) override;
  void inject(io::LinkEvent ev);

 private:
  friend class FakePlatform;
  Readiness ready_;
  std::deque<io::LinkEvent> in_;
  std::shared_ptr<FakeRegistry> registry_;
};

// The fakes' bookkeeping, shared with every fake handed out, so a fake the
// application destroys is forgotten whatever the order of destruction.
struct FakeRegistry {
  FakeGre* gre = nullptr;
  std::vector<FakeTun*> tuns;  // live, in creation order
  FakeLinkWatch* watch = nullptr;
};

class FakePlatform final : public app::Platform {
 public:
  FakePlatform();

  io::Result<std::unique_ptr<io::GreIo>> open_gre(const io::GreSocket::Options& opts) override;
  // With no unit the lowest unit no live FakeTun has; with one, exactly that
  // or EBUSY. Interface indexes are never reused, as with the kernel.
  io::Result<std::unique_ptr<io::TunIo>> create_tun(std::optional<unsigned> unit) override;
  io::LinkControl& links() override { return links_; }
  io::Result<std::unique_ptr<io::LinkWatch>> watch_links() override;
  io::Netlink* netlink() override { return nullptr; }

  // The GRE socket the application holds, if any.
  FakeGre* gre() const { return registry_->gre; }
  // The live TUN devices, in creation order.
  const std::vector<FakeTun*>& tuns() const { return registry_->tuns; }
  FakeTun* tun(const std::string& name) const;
  const FakeLinks& link_control() const { return links_; }
  size_t tun_creations() const { return tun_creations_; }
  size_t gre_opens() const { return gre_opens_; }

  // Make the next open_gre / create_tun calls fail with ec (empty: succeed).
  void fail_open_gre(std::error_code ec) { fail_gre_ = ec; }
  void fail_create_tun(std::error_code ec) { fail_tun_ = ec; }
  void fail_watch_links(std::error_code ec) { fail_watch_ = ec; }

  // The link notifications the application subscribed to, if any.
  FakeLinkWatch* link_watch() const { return registry_->watch; }
  // An administrator's `ip link del` / `ip link set down` on the TUN
  // device's interface: the state changes and, with notify, the
  // notification follows (without, only an overflow can tell).
  void remove_interface(const FakeTun& tun, bool notify = true);
  void set_interface_down(const FakeTun& tun, bool notify = true);
  // Notifications were lost (ENOBUFS).
  void overflow_link_events();

 private:
  std::shared_ptr<FakeRegistry> registry_;
  FakeLinks links_;
  std::error_code fail_gre_, fail_tun_, fail_watch_;
  size_t tun_creations_ = 0;
  size_t gre_opens_ = 0;
  unsigned next_ifindex_ = 100;
};

}  // namespace pptpx::test

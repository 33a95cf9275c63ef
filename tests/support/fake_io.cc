// SPDX-License-Identifier: MIT
#include "support/fake_io.h"

#include <fmt/format.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace pptpx::test {

namespace {

void forget(std::vector<FakeTun*>& tuns, const FakeTun* t) { std::erase(tuns, t); }

}  // namespace

// ---- Readiness ----

Readiness::Readiness() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}

void Readiness::set(bool ready) {
  if (ready == ready_ || !fd_.valid()) return;
  uint64_t v = 1;
  ssize_t n = ready ? ::write(fd_.get(), &v, sizeof v) : ::read(fd_.get(), &v, sizeof v);
  if (n == static_cast<ssize_t>(sizeof v)) ready_ = ready;
}

Bytes ipv4_datagram(Ipv4 src, Ipv4 dst, uint8_t proto, ByteView payload) {
  Bytes d(20 + payload.size());
  uint8_t* h = d.data();
  h[0] = 0x45;
  put_u16(h + 2, static_cast<uint16_t>(d.size()));
  h[8] = 64;  // TTL
  h[9] = proto;
  put_u32(h + 12, src.value);
  put_u32(h + 16, dst.value);
  uint32_t sum = 0;
  for (size_t i = 0; i < 20; i += 2) sum += get_u16(h + i);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  put_u16(h + 10, static_cast<uint16_t>(~sum));
  std::copy(payload.begin(), payload.end(), d.begin() + 20);
  return d;
}

// ---- FakeGre ----

FakeGre::~FakeGre() {
  if (registry_ && registry_->gre == this) registry_->gre = nullptr;
}

io::Result<size_t> FakeGre::recv_batch(io::GreRecvBatch& batch) {
  size_t n = 0;
  while (n < io::kMaxBatch && !in_.empty()) {
    MutableByteView buf = batch.buffer(n);
    if (buf.empty()) break;  // no more buffers set
    Datagram d = std::move(in_.front());
    in_.pop_front();
    if (d.bytes.size() > buf.size()) {
      ++truncated_;
      ++stats_.rx_truncated;
      continue;
    }
    ++stats_.rx_packets;
    std::memcpy(buf.data(), d.bytes.data(), d.bytes.size());
    batch.set_packet(n, d.bytes.size(), d.src);
    ++n;
  }
  batch.set_size(n);
  ready_.set(!in_.empty());
  return n;
}

size_t FakeGre::send_batch(io::GreSendBatch& batch) {
  for (size_t i = 0; i < batch.size(); ++i) {
    ByteView p = batch.packet(i);
    sent_.push_back({batch.destination(i), batch.source(i), Bytes(p.begin(), p.end())});
    ++stats_.tx_packets;
  }
  return batch.size();
}

void FakeGre::inject(Ipv4 src, ByteView datagram) {
  in_.push_back({src, Bytes(datagram.begin(), datagram.end())});
  ready_.set(true);
}

void FakeGre::inject_gre(Ipv4 src, Ipv4 dst, ByteView gre) {
  inject(src, ipv4_datagram(src, dst, io::kIpProtoGre, gre));
}

std::vector<SentGre> FakeGre::take_sent() {
  std::vector<SentGre> out(sent_.begin() + static_cast<ptrdiff_t>(taken_), sent_.end());
  taken_ = sent_.size();
  return out;
}

// ---- FakeTun ----

FakeTun::FakeTun(unsigned unit, unsigned ifindex)
    : unit_(unit), ifindex_(ifindex), name_("ppp" + std::to_string(unit)) {}

FakeTun::~FakeTun() {
  if (registry_) forget(registry_->tuns, this);
}

size_t FakeTun::read_batch(std::span<const MutableByteView> bufs, size_t offset,
                           std::span<size_t> lens) {
  size_t n = 0;
  while (n < bufs.size() && n < lens.size() && !in_.empty()) {
    Bytes p = std::move(in_.front());
    in_.pop_front();
    if (bufs[n].size() < offset || p.size() > bufs[n].size() - offset) {
      ++too_big_;
      continue;
    }
    std::memcpy(bufs[n].data() + offset, p.data(), p.size());
    lens[n] = p.size();
    ++n;
  }
  ready_.set(!in_.empty());
  return n;
}

size_t FakeTun::write_batch(std::span<const ByteView> packets) {
  for (ByteView p : packets) written_.emplace_back(p.begin(), p.end());
  return packets.size();
}

std::error_code FakeTun::disable_ipv6() {
  ipv6_disabled_ = true;
  return {};
}

void FakeTun::inject(ByteView ip) {
  in_.emplace_back(ip.begin(), ip.end());
  ready_.set(true);
}

// ---- FakeLinks ----

std::error_code FakeLinks::refuse_removed(unsigned ifindex) {
  auto it = links_.find(ifindex);
  if (it == links_.end() || !it->second.removed) return {};
  ++calls_on_removed_;
  return std::make_error_code(std::errc::no_such_device);
}

std::error_code FakeLinks::set_link_up(unsigned ifindex, bool up) {
  if (auto ec = refuse_removed(ifindex)) return ec;
  links_[ifindex].up = up;
  journal_.push_back(fmt::format("{} {}", up ? "up" : "down", ifindex));
  return {};
}

std::error_code FakeLinks::set_mtu(unsigned ifindex, unsigned mtu) {
  if (auto ec = refuse_removed(ifindex)) return ec;
  links_[ifindex].mtu = mtu;
  journal_.push_back(fmt::format("mtu {} {}", ifindex, mtu));
  return {};
}

std::error_code FakeLinks::add_address_ptp(unsigned ifindex, Ipv4 local, Ipv4 peer) {
  if (auto ec = refuse_removed(ifindex)) return ec;
  auto& a = links_[ifindex].addresses;
  if (std::find(a.begin(), a.end(), std::pair(local, peer)) != a.end())
    return std::make_error_code(std::errc::file_exists);
  a.emplace_back(local, peer);
  journal_.push_back(fmt::format("addr {} {} {}", ifindex, local.str(), peer.str()));
  return {};
}

std::error_code FakeLinks::replace_address_ptp(unsigned ifindex, Ipv4 old_local, Ipv4 old_peer,
                                               Ipv4 local, Ipv4 peer) {
  if (old_local == local && old_peer == peer) return {};
  if (auto ec = refuse_removed(ifindex)) return ec;
  auto& a = links_[ifindex].addresses;
  std::erase(a, std::pair(old_local, old_peer));
  a.emplace_back(local, peer);
  journal_.push_back(fmt::format("readdr {} {} {}", ifindex, local.str(), peer.str()));
  return {};
}

io::Result<io::LinkState> FakeLinks::link_state(unsigned ifindex) {
  ++state_queries_;
  const bool live =
      registry_ && std::any_of(registry_->tuns.begin(), registry_->tuns.end(),
                               [&](const FakeTun* t) { return t->ifindex() == ifindex; });
  const Link* l = find(ifindex);
  if (!live || (l && l->removed)) return io::LinkState::kGone;
  return l && l->up.value_or(false) ? io::LinkState::kUp : io::LinkState::kDown;
}

const FakeLinks::Link* FakeLinks::find(unsigned ifindex) const {
  auto it = links_.find(ifindex);
  return it == links_.end() ? nullptr : &it->second;
}

// ---- FakeLinkWatch ----

FakeLinkWatch::~FakeLinkWatch() {
  if (registry_ && registry_->watch == this) registry_->watch = nullptr;
}

std::error_code FakeLinkWatch::read(std::vector<io::LinkEvent>& out) {
  out.insert(out.end(), in_.begin(), in_.end());
  in_.clear();
  ready_.set(false);
  return {};
}

void FakeLinkWatch::inject(io::LinkEvent ev) {
  in_.push_back(std::move(ev));
  ready_.set(true);
}

// ---- FakePlatform ----

FakePlatform::FakePlatform() : registry_(std::make_shared<FakeRegistry>()), links_(registry_) {}

io::Result<std::unique_ptr<io::GreIo>> FakePlatform::open_gre(const io::GreSocket::Options& opts) {
  if (fail_gre_) return fail_gre_;
  ++gre_opens_;
  auto g = std::make_unique<FakeGre>(opts);
  g->registry_ = registry_;
  registry_->gre = g.get();
  return std::unique_ptr<io::GreIo>(std::move(g));
}

io::Result<std::unique_ptr<io::TunIo>> FakePlatform::create_tun(std::optional<unsigned> unit) {
  if (fail_tun_) return fail_tun_;
  std::set<unsigned> taken;
  for (const FakeTun* t : registry_->tuns) taken.insert(t->unit());
  unsigned u = 0;
  if (unit) {
    if (taken.count(*unit)) return std::make_error_code(std::errc::device_or_resource_busy);
    u = *unit;
  } else {
    while (taken.count(u)) ++u;
  }
  ++tun_creations_;
  auto t = std::make_unique<FakeTun>(u, next_ifindex_++);
  t->registry_ = registry_;
  registry_->tuns.push_back(t.get());
  return std::unique_ptr<io::TunIo>(std::move(t));
}

io::Result<std::unique_ptr<io::LinkWatch>> FakePlatform::watch_links() {
  if (fail_watch_) return fail_watch_;
  auto w = std::make_unique<FakeLinkWatch>();
  w->registry_ = registry_;
  registry_->watch = w.get();
  return std::unique_ptr<io::LinkWatch>(std::move(w));
}

void FakePlatform::remove_interface(const FakeTun& tun, bool notify) {
  links_.links_[tun.ifindex()].removed = true;
  if (notify && registry_->watch)
    registry_->watch->inject({io::LinkEvent::Kind::kDeleted, tun.ifindex(), tun.name()});
}

void FakePlatform::set_interface_down(const FakeTun& tun, bool notify) {
  links_.links_[tun.ifindex()].up = false;
  if (notify && registry_->watch)
    registry_->watch->inject({io::LinkEvent::Kind::kDown, tun.ifindex(), tun.name()});
}

void FakePlatform::overflow_link_events() {
  if (registry_->watch) registry_->watch->inject({});
}

FakeTun* FakePlatform::tun(const std::string& name) const {
  for (FakeTun* t : registry_->tuns)
    if (t->name() == name) return t;
  return nullptr;
}

}  // namespace pptpx::test

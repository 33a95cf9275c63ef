// SPDX-License-Identifier: MIT
// Fuzzes a whole server-role session::Call - pptpxd's side of one PPTP call:
// GRE window, PPP framing, LCP, authentication, IPCP, CCP/MPPE and the path
// check - fed GRE packets. A client-role Call can dial it honestly first, so
// that inputs reach the network phase with MPPE keys in use; the fuzzer then
// injects its own packets, corrupts the client's genuine ones, drops them,
// moves the clock and asks for renegotiations.
//
// Input: octet 0 picks the set-up (bits 0-1 MPPE: none, stateless,
// stateful, both allowed; bits 2-3 the authentication method; bit 4: the
// honest client dials first; bit 5: the reorder window is on). Then records
// [u8 op][u8 len][len octets]; op & 7:
//   0 the octets as a whole GRE packet to the server
//   1 the octets as the payload of a GRE packet at the next sequence number
//     (a PPP frame: LCP, CCP, MPPE 0x00FD...)
//   2 the client sends an IP packet; pairs (position, xor) of the octets
//     corrupt it on the wire
//   3 the clock moves op >> 3 times 250 ms; both ends' timers run
//   4 the octets as an IP packet from the server's TUN side
//   5 an ICMP error about the server's GRE (kind, MTU from the octets)
//   6 the server renegotiates CCP (op bit 3 clear) or LCP
//   7 the next packet to the server is lost
// Checks: what receive() and poll_transmit() return lies in the caller's
// buffers, the interface MTU stays in range.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "base/overloaded.h"
#include "base/rng.h"
#include "crypto/crypto.h"
#include "proto/gre/gre.h"
#include "proto/session/call.h"

using namespace pptpx;
using namespace pptpx::session;

namespace {

constexpr uint16_t kServerCallId = 0x1111;
constexpr uint16_t kClientCallId = 0x2222;

void check_inside(ByteView v, const uint8_t* base, size_t size) {
  if (!v.empty() && (v.data() < base || v.data() + v.size() > base + size)) __builtin_trap();
}

CallConfig config(uint8_t setup, bool server) {
  static const ppp::AuthProtocol kAuth[] = {ppp::AuthProtocol::kMsChapV2,
                                            ppp::AuthProtocol::kMsChapV1,
                                            ppp::AuthProtocol::kChapMd5, ppp::AuthProtocol::kPap};
  const int mppe = setup & 3;
  ppp::AuthProtocol auth = kAuth[(setup >> 2) & 3];
  const bool ms = auth == ppp::AuthProtocol::kMsChapV2 || auth == ppp::AuthProtocol::kMsChapV1;
  CallConfig c;
  ppp::SessionConfig& s = c.ppp;
  s.role = server ? ppp::Role::kAuthenticator : ppp::Role::kAuthenticatee;
  s.auth.allowed = {auth};
  s.auth.authenticator.our_name = "pptpd";
  s.auth.authenticator.max_retries = 2;
  s.auth.authenticatee.user = "user1";
  s.ipcp_client.request_dns = true;
  s.mppe.enabled = mppe != 0 && ms;
  s.mppe.required = mppe != 0 && ms;
  s.mppe.allow_stateful = mppe >= 2;
  s.mppe.stateful_only = mppe == 2;
  s.mppe.allow_40 = s.mppe.allow_56 = mppe == 3;
  c.gre.peer_call_id = server ? kClientCallId : kServerCallId;
  if (setup & 32) {
    c.gre.reorder_packets = gre::kDefaultReorderPackets;
    c.gre.reorder_wait = gre::kDefaultReorderWait;
  }
  c.mtu = 1400;
  return c;
}

struct End {
  End(const CallConfig& cfg, bool is_server, uint64_t seed, Time now)
      : server(is_server), rng(seed), call(cfg, rng, Logger(), now) {}
  bool server;
  SeededRng rng;
  Call call;
};

class Harness {
 public:
  Harness(uint8_t setup, Time now)
      : now_(now),
        srv_(config(setup, true), true, 11, now),
        cli_(config(setup, false), false, 29, now) {}

  void dial() {
    cli_.call.open(now_);
    srv_.call.open(now_);
    service(cli_);
    service(srv_);
    // Long enough for LCP, authentication, IPCP, CCP and the path check.
    for (int i = 0; i < 40; ++i) advance(milliseconds(250));
  }

  void open_server_alone() {
    srv_.call.open(now_);
    service(srv_);
  }

  void raw_to_server(ByteView bytes) {
    to_server_.emplace_back(bytes.begin(), bytes.end());
    settle();
  }

  void frame_to_server(ByteView ppp) {
    std::vector<uint8_t> pkt(gre::kMaxHeaderSize + ppp.size());
    gre::Header h;
    h.call_id = kServerCallId;
    h.payload_length = static_cast<uint16_t>(ppp.size());
    h.has_seq = true;
    h.seq = last_seq_to_server_ + 1;
    size_t n = gre::write_header(pkt.data(), h);
    std::copy(ppp.begin(), ppp.end(), pkt.begin() + static_cast<std::ptrdiff_t>(n));
    pkt.resize(n + ppp.size());
    to_server_.push_back(std::move(pkt));
    settle();
  }

  void client_ip(ByteView corrupt) {
    uint8_t* ip = buf_ + kHeadroom;
    const size_t size = std::min<size_t>(40 + corrupt.size() * 8, 1400);
    std::fill(ip, ip + size, 0);
    ip[0] = 0x45;
    put_u16(ip + 2, static_cast<uint16_t>(size));
    ip[8] = 64;
    ip[9] = 17;
    ByteView pkt = cli_.call.send_ip(buf_, size, now_);
    check_inside(pkt, buf_, sizeof buf_);
    if (pkt.empty()) return;
    std::vector<uint8_t> wire(pkt.begin(), pkt.end());
    for (size_t i = 0; i + 1 < corrupt.size(); i += 2)
      wire[corrupt[i] % wire.size()] ^= corrupt[i + 1];
    to_server_.push_back(std::move(wire));
    settle();
  }

  void advance(Duration d) {
    now_ += d;
    for (End* e : {&srv_, &cli_}) {
      if (e->call.next_deadline() <= now_) e->call.on_timer(now_);
      drain_released(*e);
      service(*e);
    }
    settle();
  }

  void tun_to_server(ByteView ip) {
    if (ip.size() > sizeof buf_ - kHeadroom) return;
    std::copy(ip.begin(), ip.end(), buf_ + kHeadroom);
    ByteView pkt = srv_.call.send_ip(buf_, ip.size(), now_);
    check_inside(pkt, buf_, sizeof buf_);
    if (!pkt.empty()) to_client_.emplace_back(pkt.begin(), pkt.end());
    settle();
  }

  void path_error(ByteView b) {
    PathError e;
    if (!b.empty()) e.kind = static_cast<PathError::Kind>(b[0] % 5);
    if (b.size() >= 3) e.mtu = get_u16(b.data() + 1);
    e.icmp_type = 3;
    e.icmp_code = e.kind == PathError::Kind::kTooBig ? 4 : 2;
    srv_.call.on_path_error(e, now_);
    service(srv_);
    settle();
  }

  void renegotiate(bool lcp) {
    if (lcp)
      srv_.call.renegotiate_lcp(now_);
    else
      srv_.call.renegotiate_ccp(now_);
    service(srv_);
    settle();
  }

  void lose_next() { lose_next_ = true; }

  void check() const {
    const int mtu = srv_.call.interface_mtu();
    if (mtu < 0 || mtu > 65535) __builtin_trap();
  }

 private:
  void on_event(End& e, CallEvent& ev) {
    std::visit(Overloaded{
                   [&](call_event::SecretNeeded&) { e.call.provide_secret("secret1", now_); },
                   [&](call_event::Authenticated& a) {
                     if (!e.server || a.side != ppp::AuthSide::kPeer) return;
                     ppp::IpConfig ip;
                     ip.local = Ipv4{0x0a0a0001};
                     ip.remote = Ipv4{0x0a0a000a};
                     ip.dns1 = Ipv4{0x0a0a0035};
                     e.call.start_network(ip, now_);
                   },
                   [](auto&) {},
               },
               ev);
  }

  void service(End& e) {
    for (int guard = 0; guard < 64; ++guard) {
      bool any = false;
      while (auto ev = e.call.poll_event()) {
        on_event(e, *ev);
        any = true;
      }
      for (int n = 0; n < 64; ++n) {
        ByteView pkt = e.call.poll_transmit(buf_, sizeof buf_, now_);
        check_inside(pkt, buf_, sizeof buf_);
        if (pkt.empty()) break;
        (e.server ? to_client_ : to_server_).emplace_back(pkt.begin(), pkt.end());
        any = true;
      }
      if (!any) return;
    }
  }

  void drain_released(End& e) {
    for (int n = 0; n < 64; ++n) {
      if (e.call.next_released(now_).empty()) return;
    }
  }

  void deliver(End& e, std::vector<uint8_t>& bytes) {
    gre::ParseResult g = gre::parse(bytes);
    if (!g.ok()) return;
    if (e.server && g.packet.header.has_seq) last_seq_to_server_ = g.packet.header.seq;
    MutableByteView payload(bytes.data() + (g.packet.payload.data() - bytes.data()),
                            g.packet.payload.size());
    ByteView ip = e.call.receive(g.packet.header, payload, now_);
    check_inside(ip, bytes.data(), bytes.size());
    drain_released(e);
    service(e);
  }

  // Delivers what is on the wire, both ways, until quiet (bounded).
  void settle() {
    for (int step = 0; step < 256 && (!to_server_.empty() || !to_client_.empty()); ++step) {
      if (!to_server_.empty()) {
        std::vector<uint8_t> p = std::move(to_server_.front());
        to_server_.pop_front();
        if (lose_next_)
          lose_next_ = false;
        else
          deliver(srv_, p);
      }
      if (!to_client_.empty()) {
        std::vector<uint8_t> p = std::move(to_client_.front());
        to_client_.pop_front();
        deliver(cli_, p);
      }
    }
    to_server_.clear();
    to_client_.clear();
  }

  Time now_;
  End srv_, cli_;
  std::deque<std::vector<uint8_t>> to_server_, to_client_;
  uint32_t last_seq_to_server_ = 0;
  bool lose_next_ = false;
  uint8_t buf_[2048] = {};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool crypto_ok = crypto::init();
  if (!crypto_ok || size < 1) return 0;
  Harness h(data[0], Time{} + seconds(100));
  if (data[0] & 16)
    h.dial();
  else
    h.open_server_alone();
  Reader r(ByteView(data + 1, size - 1));
  while (!r.empty()) {
    const uint8_t op = r.u8();
    ByteView chunk = r.bytes(std::min<size_t>(r.u8(), r.remaining()));
    if (!r.ok()) break;
    switch (op & 7) {
      case 0: h.raw_to_server(chunk); break;
      case 1: h.frame_to_server(chunk); break;
      case 2: h.client_ip(chunk); break;
      case 3: h.advance(milliseconds(250) * (op >> 3)); break;
      case 4: h.tun_to_server(chunk); break;
      case 5: h.path_error(chunk); break;
      case 6: h.renegotiate((op & 8) != 0); break;
      case 7: h.lose_next(); break;
    }
    h.check();
  }
  return 0;
}

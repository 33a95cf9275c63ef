// SPDX-License-Identifier: MIT
// LCP, IPCP, IPV6CP and CCP option handling (judging a peer's request and
// reacting to Nak/Reject), checked against exact reply bytes.
#include <gtest/gtest.h>

#include "base/rng.h"
#include "proto/ppp/ccp.h"
#include "proto/ppp/ipcp.h"
#include "proto/ppp/lcp.h"

namespace pptpx::ppp {
namespace {

struct Verdict {
  uint8_t code;
  Bytes data;
};

Verdict judge(FsmHandler& h, const Bytes& request, bool nak_allowed = true) {
  std::vector<Option> opts;
  EXPECT_TRUE(parse_options(request, opts));
  RequestJudge j(nak_allowed);
  h.judge_request(opts, j);
  Verdict v;
  v.code = j.finish(request, v.data);
  if (v.code == kConfigureAck) h.on_request_acked();
  return v;
}

std::vector<Option> opts_of(const Bytes& b) {
  std::vector<Option> o;
  EXPECT_TRUE(parse_options(b, o));
  return o;
}

TEST(Lcp, BuildsServerRequest) {
  SeededRng rng(1);
  LcpOptions lcp(LcpConfig{}, rng, {AuthProtocol::kMsChapV2, AuthProtocol::kMsChapV1}, {});
  Bytes req;
  lcp.build_request(req);
  ASSERT_EQ(req.size(), 5u + 6u + 2u + 2u);
  EXPECT_EQ(Bytes(req.begin(), req.begin() + 5), (Bytes{3, 5, 0xC2, 0x23, 0x81}));
  EXPECT_EQ(req[5], 5);
  EXPECT_NE(get_u32(&req[7]), 0u);
  EXPECT_EQ(Bytes(req.begin() + 11, req.end()), (Bytes{7, 2, 8, 2}));
}

TEST(Lcp, AcksPppdClientRequest) {
  SeededRng rng(1);
  LcpOptions lcp(LcpConfig{}, rng, {AuthProtocol::kMsChapV2}, {});
  // rcvd [LCP ConfReq id=0x1 <asyncmap 0x0> <magic 0x544a4707> <pcomp> <accomp>]
  Bytes req{2, 6, 0, 0, 0, 0, 5, 6, 0x54, 0x4a, 0x47, 0x07, 7, 2, 8, 2};
  Verdict v = judge(lcp, req);
  EXPECT_EQ(v.code, kConfigureAck);
  EXPECT_EQ(v.data, req);
  EXPECT_EQ(lcp.peer_magic(), 0x544a4707u);
  EXPECT_TRUE(lcp.tx_pfc());
  EXPECT_TRUE(lcp.tx_acfc());
  EXPECT_EQ(lcp.peer_mru(), 1500);
}

TEST(Lcp, RejectsUnwantedOptionsAndNaksBadMagic) {
  SeededRng rng(1);
  LcpOptions lcp(LcpConfig{}, rng, {AuthProtocol::kMsChapV2}, {});
  // Callback (13), multilink MRRU (17), endpoint discriminator (19), Quality (4).
  Bytes req{1, 4, 0x05, 0x78, 13, 3, 6, 17, 4, 0x05, 0xDC, 19, 3, 0, 4, 8, 0xC0, 0x25, 0, 0, 0, 0};
  Verdict v = judge(lcp, req);
  EXPECT_EQ(v.code, kConfigureReject);
  EXPECT_EQ(v.data, (Bytes{13, 3, 6, 17, 4, 0x05, 0xDC, 19, 3, 0, 4, 8, 0xC0, 0x25, 0, 0, 0, 0}));
  v = judge(lcp, Bytes{5, 6, 0, 0, 0, 0});
  EXPECT_EQ(v.code, kConfigureNak);
  ASSERT_EQ(v.data.size(), 6u);
  EXPECT_NE(get_u32(&v.data[2]), 0u);
  // The server does not authenticate itself to the peer.
  v = judge(lcp, Bytes{3, 4, 0xC0, 0x23});
  EXPECT_EQ(v.code, kConfigureReject);
}

TEST(Lcp, LoopbackMagicIsNaked) {
  SeededRng rng(7);
  LcpOptions lcp(LcpConfig{}, rng, {}, {});
  Bytes ours;
  lcp.build_request(ours);
  ASSERT_EQ(ours.size(), 10u);  // magic, pfc, acfc; no auth
  Bytes same(ours.begin(), ours.begin() + 6);
  Verdict v = judge(lcp, same);
  EXPECT_EQ(v.code, kConfigureNak);
  EXPECT_NE(v.data, same);
  EXPECT_EQ(lcp.magic_collisions(), 1u);
}

TEST(Lcp, AuthNakSwitchesToAllowedMethod) {
  SeededRng rng(1);
  LcpOptions lcp(LcpConfig{}, rng, {AuthProtocol::kMsChapV2, AuthProtocol::kChapMd5}, {});
  EXPECT_TRUE(lcp.on_nak(opts_of(Bytes{3, 5, 0xC2, 0x23, 0x05})));
  Bytes req;
  lcp.build_request(req);
  EXPECT_EQ(Bytes(req.begin(), req.begin() + 5), (Bytes{3, 5, 0xC2, 0x23, 0x05}));
  // Naking our choice only to suggest it back is a bad Nak (pppd lcp_nakci).
  EXPECT_FALSE(lcp.on_nak(opts_of(Bytes{3, 5, 0xC2, 0x23, 0x05})));
  EXPECT_TRUE(lcp.on_reject(opts_of(Bytes{3, 5, 0xC2, 0x23, 0x05})));
  EXPECT_TRUE(lcp.auth_refused());
}

// pppd lcp_nakci: a Nak naming PAP while we ask for CHAP drops every CHAP
// flavour; PAP not being allowed either, the request goes without the option.
TEST(Lcp, AuthNakNamingOnlyRefusedMethodsDropsTheOption) {
  SeededRng rng(1);
  LcpOptions lcp(LcpConfig{}, rng, {AuthProtocol::kMsChapV2, AuthProtocol::kChapMd5}, {});
  EXPECT_TRUE(lcp.on_nak(opts_of(Bytes{3, 4, 0xC0, 0x23})));
  EXPECT_TRUE(lcp.auth_refused());
  Bytes req;
  lcp.build_request(req);
  EXPECT_EQ(req[0], kLcpMagic);  // magic, pfc, acfc: no Authentication-Protocol
  EXPECT_EQ(req.size(), 10u);
  // A method we do not know (EAP) moves to the next preference.
  LcpOptions lcp2(LcpConfig{}, rng, {AuthProtocol::kMsChapV2, AuthProtocol::kChapMd5}, {});
  EXPECT_TRUE(lcp2.on_nak(opts_of(Bytes{3, 4, 0xC2, 0x27})));
  req.clear();
  lcp2.build_request(req);
  EXPECT_EQ(Bytes(req.begin(), req.begin() + 5), (Bytes{3, 5, 0xC2, 0x23, 0x05}));
  EXPECT_FALSE(lcp2.auth_refused());
}

// Both directions at once: we ask for MS-CHAPv2 and accept CHAP-MD5 only.
TEST(Lcp, BothDirectionsAreIndependent) {
  SeededRng rng(1);
  LcpOptions lcp(LcpConfig{}, rng, {AuthProtocol::kMsChapV2}, {AuthProtocol::kChapMd5});
  Bytes req;
  lcp.build_request(req);
  EXPECT_EQ(Bytes(req.begin(), req.begin() + 5), (Bytes{3, 5, 0xC2, 0x23, 0x81}));
  Verdict v = judge(lcp, Bytes{3, 5, 0xC2, 0x23, 0x81});
  EXPECT_EQ(v.code, kConfigureNak);
  EXPECT_EQ(v.data, (Bytes{3, 5, 0xC2, 0x23, 0x05}));
  v = judge(lcp, Bytes{3, 5, 0xC2, 0x23, 0x05, 3, 4, 0xC0, 0x23});
  EXPECT_EQ(v.code, kConfigureReject);  // a second Authentication-Protocol
  EXPECT_EQ(v.data, (Bytes{3, 4, 0xC0, 0x23}));
  v = judge(lcp, Bytes{3, 5, 0xC2, 0x23, 0x05});
  EXPECT_EQ(v.code, kConfigureAck);
  lcp.on_request_acked();
  EXPECT_EQ(lcp.auth_of_us(), AuthProtocol::kChapMd5);
}

TEST(Lcp, ClientAcceptsAllowedAuthAndNaksOthers) {
  SeededRng rng(1);
  LcpOptions lcp(LcpConfig{}, rng, {}, {AuthProtocol::kMsChapV2});
  Verdict v = judge(lcp, Bytes{3, 5, 0xC2, 0x23, 0x81});
  EXPECT_EQ(v.code, kConfigureAck);
  EXPECT_EQ(lcp.auth_of_us(), AuthProtocol::kMsChapV2);
  v = judge(lcp, Bytes{3, 4, 0xC0, 0x23});
  EXPECT_EQ(v.code, kConfigureNak);
  EXPECT_EQ(v.data, (Bytes{3, 5, 0xC2, 0x23, 0x81}));
}

IpConfig server_ip() {
  IpConfig ip;
  ip.local = *Ipv4::parse("10.10.0.1");
  ip.remote = *Ipv4::parse("10.10.0.10");
  return ip;
}

TEST(Ipcp, ServerFollowsPppdCapture) {
  IpcpOptions ipcp(true);
  ipcp.configure_server(server_ip());
  ipcp.reset_request();
  Bytes req;
  ipcp.build_request(req);
  EXPECT_EQ(req, (Bytes{3, 6, 10, 10, 0, 1}));
  // rcvd [IPCP ConfReq id=0x1 <compress VJ 0f 01> <addr 0.0.0.0>]
  Verdict v = judge(ipcp, Bytes{2, 6, 0x00, 0x2D, 0x0F, 0x01, 3, 6, 0, 0, 0, 0});
  EXPECT_EQ(v.code, kConfigureReject);
  EXPECT_EQ(v.data, (Bytes{2, 6, 0x00, 0x2D, 0x0F, 0x01}));
  v = judge(ipcp, Bytes{3, 6, 0, 0, 0, 0});
  EXPECT_EQ(v.code, kConfigureNak);
  EXPECT_EQ(v.data, (Bytes{3, 6, 10, 10, 0, 10}));
  v = judge(ipcp, Bytes{3, 6, 10, 10, 0, 10});
  EXPECT_EQ(v.code, kConfigureAck);
  EXPECT_EQ(ipcp.remote().str(), "10.10.0.10");
}

TEST(Ipcp, ServerDnsAndWins) {
  IpcpOptions ipcp(true);
  IpConfig ip = server_ip();
  ip.dns1 = *Ipv4::parse("8.8.8.8");
  ipcp.configure_server(ip);
  ipcp.reset_request();
  Verdict v = judge(
      ipcp, Bytes{3, 6, 10, 10, 0, 10, 129, 6, 0, 0, 0, 0, 130, 6, 0, 0, 0, 0, 131, 6, 0, 0, 0, 0});
  EXPECT_EQ(v.code, kConfigureReject);  // no WINS and no secondary DNS configured
  EXPECT_EQ(v.data, (Bytes{130, 6, 0, 0, 0, 0, 131, 6, 0, 0, 0, 0}));
  v = judge(ipcp, Bytes{3, 6, 10, 10, 0, 10, 129, 6, 0, 0, 0, 0});
  EXPECT_EQ(v.code, kConfigureNak);
  EXPECT_EQ(v.data, (Bytes{129, 6, 8, 8, 8, 8}));
  // No address at all: told which one to use, once.
  v = judge(ipcp, Bytes{129, 6, 8, 8, 8, 8});
  EXPECT_EQ(v.code, kConfigureNak);
  EXPECT_EQ(v.data, (Bytes{3, 6, 10, 10, 0, 10}));
  v = judge(ipcp, Bytes{129, 6, 8, 8, 8, 8});
  EXPECT_EQ(v.code, kConfigureAck);
  // IP-Addresses (1) is rejected.
  v = judge(ipcp, Bytes{1, 10, 0, 0, 0, 0, 0, 0, 0, 0});
  EXPECT_EQ(v.code, kConfigureReject);
}

TEST(Ipcp, ClientTakesNakedValues) {
  IpcpOptions ipcp(false);
  IpcpClientOptions c;
  c.request_dns = true;
  ipcp.configure_client(c);
  ipcp.reset_request();
  Bytes req;
  ipcp.build_request(req);
  EXPECT_EQ(req, (Bytes{3, 6, 0, 0, 0, 0, 129, 6, 0, 0, 0, 0, 131, 6, 0, 0, 0, 0}));
  EXPECT_TRUE(ipcp.on_reject(opts_of(Bytes{131, 6, 0, 0, 0, 0})));
  EXPECT_TRUE(ipcp.on_nak(opts_of(Bytes{3, 6, 10, 10, 0, 10, 129, 6, 1, 1, 1, 1})));
  req.clear();
  ipcp.build_request(req);
  EXPECT_EQ(req, (Bytes{3, 6, 10, 10, 0, 10, 129, 6, 1, 1, 1, 1}));
  ipcp.on_ack(opts_of(req));
  EXPECT_EQ(ipcp.local().str(), "10.10.0.10");
  ASSERT_TRUE(ipcp.dns1());
  EXPECT_EQ(ipcp.dns1()->str(), "1.1.1.1");
  EXPECT_FALSE(ipcp.dns2());
  Verdict v = judge(ipcp, Bytes{3, 6, 10, 10, 0, 1});
  EXPECT_EQ(v.code, kConfigureAck);
  EXPECT_EQ(ipcp.remote().str(), "10.10.0.1");
}

TEST(Ipcp, ClientAsksForWinsWhenTold) {
  IpcpOptions ipcp(false);
  IpcpClientOptions c;
  c.request_wins = true;
  ipcp.configure_client(c);
  ipcp.reset_request();
  Bytes req;
  ipcp.build_request(req);
  EXPECT_EQ(req, (Bytes{3, 6, 0, 0, 0, 0, 130, 6, 0, 0, 0, 0, 132, 6, 0, 0, 0, 0}));
  EXPECT_TRUE(ipcp.on_nak(
      opts_of(Bytes{3, 6, 10, 10, 0, 10, 130, 6, 10, 0, 0, 137, 132, 6, 10, 0, 0, 138})));
  req.clear();
  ipcp.build_request(req);
  ipcp.on_ack(opts_of(req));
  ASSERT_TRUE(ipcp.wins1());
  EXPECT_EQ(ipcp.wins1()->str(), "10.0.0.137");
  ASSERT_TRUE(ipcp.wins2());
  EXPECT_EQ(ipcp.wins2()->str(), "10.0.0.138");
  EXPECT_FALSE(ipcp.dns1());
  ipcp.reset_request();  // a new negotiation forgets them
  EXPECT_FALSE(ipcp.wins1());
}

TEST(Ipv6cp, NaksCollisionAndZero) {
  SeededRng rng(3);
  Ipv6cpOptions v6(rng);
  v6.reset_request();
  Bytes req;
  v6.build_request(req);
  ASSERT_EQ(req.size(), 10u);
  Verdict v = judge(v6, req);  // the peer proposes our own identifier
  EXPECT_EQ(v.code, kConfigureNak);
  EXPECT_NE(v.data, req);
  v = judge(v6, Bytes{1, 10, 0, 0, 0, 0, 0, 0, 0, 0});
  EXPECT_EQ(v.code, kConfigureNak);
  v = judge(v6, Bytes{1, 10, 1, 2, 3, 4, 5, 6, 7, 8});
  EXPECT_EQ(v.code, kConfigureAck);
  EXPECT_EQ(v6.peer_id(), (InterfaceId{1, 2, 3, 4, 5, 6, 7, 8}));
}

TEST(Ccp, RequestAndCaptureExchange) {
  CcpOptions ccp(MppePolicy{});
  ccp.reset_request();
  Bytes req;
  ccp.build_request(req);
  EXPECT_EQ(req, (Bytes{18, 6, 0x01, 0, 0, 0x40}));
  Verdict v = judge(ccp, req);
  EXPECT_EQ(v.code, kConfigureAck);
  EXPECT_EQ(ccp.tx_bits(), 0x01000040u);
  ccp.on_ack(opts_of(req));
  EXPECT_EQ(ccp.rx_bits(), 0x01000040u);
}

TEST(Ccp, ResponderPicksOneStrengthAndStateless) {
  MppePolicy p;
  p.allow_40 = true;
  CcpOptions ccp(p);
  ccp.reset_request();
  Bytes req;
  ccp.build_request(req);
  EXPECT_EQ(req, (Bytes{18, 6, 0x01, 0, 0, 0x60}));
  Verdict v = judge(ccp, Bytes{18, 6, 0x01, 0, 0, 0x60});
  EXPECT_EQ(v.code, kConfigureNak);
  EXPECT_EQ(v.data, (Bytes{18, 6, 0x01, 0, 0, 0x40}));
  v = judge(ccp, Bytes{18, 6, 0x01, 0, 0, 0x20});  // the mppe40 capture: peer wants L only
  EXPECT_EQ(v.code, kConfigureAck);
  EXPECT_EQ(ccp.tx_bits(), 0x01000020u);
  v = judge(ccp, Bytes{18, 6, 0x00, 0, 0, 0x40});  // stateful only: refused
  EXPECT_EQ(v.code, kConfigureReject);
  v = judge(ccp, Bytes{18, 6, 0x01, 0, 0, 0x51});  // D and C bits are Naked away
  EXPECT_EQ(v.code, kConfigureNak);
  EXPECT_EQ(v.data, (Bytes{18, 6, 0x01, 0, 0, 0x40}));
  v = judge(ccp, Bytes{18, 6, 0x01, 0, 0, 0x00});  // no strength: offer ours
  EXPECT_EQ(v.code, kConfigureNak);
  EXPECT_EQ(v.data, (Bytes{18, 6, 0x01, 0, 0, 0x60}));
  v = judge(ccp, Bytes{17, 5, 0, 1, 4, 21, 3, 0x41, 26, 4, 0x78, 0, 18, 6, 1, 0, 0, 0x40});
  EXPECT_EQ(v.code, kConfigureReject);
  EXPECT_EQ(v.data, (Bytes{17, 5, 0, 1, 4, 21, 3, 0x41, 26, 4, 0x78, 0}));
  // Our request Naked down to 40-bit: accepted.
  EXPECT_TRUE(ccp.on_nak(opts_of(Bytes{18, 6, 0x01, 0, 0, 0x20})));
  req.clear();
  ccp.build_request(req);
  EXPECT_EQ(req, (Bytes{18, 6, 0x01, 0, 0, 0x20}));
  EXPECT_TRUE(ccp.fatal().empty());
}

TEST(Ccp, FiftySixBitAmongTheStrengths) {
  MppePolicy all;
  all.allow_40 = all.allow_56 = true;
  CcpOptions client(all);
  client.reset_request();
  Bytes req;
  client.build_request(req);
  EXPECT_EQ(req, (Bytes{18, 6, 0x01, 0, 0, 0xe0}));  // H, and S M L
  // A peer that allows 56 only Naks to M; the client takes it.
  MppePolicy only56;
  only56.allow_128 = false;
  only56.allow_56 = true;
  CcpOptions server(only56);
  server.reset_request();
  Verdict v = judge(server, req);
  EXPECT_EQ(v.code, kConfigureNak);
  EXPECT_EQ(v.data, (Bytes{18, 6, 0x01, 0, 0, 0x80}));
  EXPECT_TRUE(client.on_nak(opts_of(v.data)));
  req.clear();
  client.build_request(req);
  EXPECT_EQ(req, (Bytes{18, 6, 0x01, 0, 0, 0x80}));
  EXPECT_TRUE(client.fatal().empty());
  // A responder with everything open picks the strongest.
  CcpOptions open(all);
  open.reset_request();
  v = judge(open, Bytes{18, 6, 0x01, 0, 0, 0xe0});
  EXPECT_EQ(v.data, (Bytes{18, 6, 0x01, 0, 0, 0x40}));
  v = judge(open, Bytes{18, 6, 0x01, 0, 0, 0xa0});  // M and L: M
  EXPECT_EQ(v.data, (Bytes{18, 6, 0x01, 0, 0, 0x80}));
  // A 128-only client refuses a Nak to 56.
  CcpOptions strict(MppePolicy{});
  strict.reset_request();
  EXPECT_TRUE(strict.on_nak(opts_of(Bytes{18, 6, 0x01, 0, 0, 0x80})));
  EXPECT_FALSE(strict.fatal().empty());
}

TEST(Ccp, RequiredAndRefusedIsFatal) {
  CcpOptions ccp(MppePolicy{});
  ccp.reset_request();
  EXPECT_TRUE(ccp.on_nak(opts_of(Bytes{18, 6, 0x00, 0, 0, 0x40})));  // stateful not allowed
  EXPECT_EQ(ccp.fatal(), "MPPE required but peer negotiation failed");
  ccp.reset_request();
  EXPECT_TRUE(ccp.on_reject(opts_of(Bytes{18, 6, 0x01, 0, 0, 0x40})));
  EXPECT_EQ(ccp.fatal(), "MPPE required but peer refused");
}

// --mppe-stateful-only (Windows 9x style) against a peer with mppe-stateful:
// both directions end up stateful; against a pppd default peer, MPPE fails.
TEST(Ccp, StatefulOnlyAgainstStatefulAllowed) {
  MppePolicy only;
  only.stateful_only = true;
  MppePolicy allow;
  allow.allow_stateful = true;
  CcpOptions client(only), server(allow);
  client.reset_request();
  server.reset_request();
  Bytes creq, sreq;
  client.build_request(creq);
  EXPECT_EQ(creq, (Bytes{18, 6, 0x00, 0, 0, 0x40}));  // no H bit
  Verdict v = judge(server, creq);
  EXPECT_EQ(v.code, kConfigureAck);
  EXPECT_EQ(server.tx_bits(), 0x40u);
  client.on_ack(opts_of(creq));
  EXPECT_EQ(client.rx_bits(), 0x40u);
  server.build_request(sreq);
  EXPECT_EQ(sreq, (Bytes{18, 6, 0x01, 0, 0, 0x40}));  // pppd style: stateless first
  v = judge(client, sreq);
  EXPECT_EQ(v.code, kConfigureNak);
  EXPECT_EQ(v.data, (Bytes{18, 6, 0x00, 0, 0, 0x40}));  // H Naked away
  EXPECT_TRUE(server.on_nak(opts_of(v.data)));
  EXPECT_TRUE(server.fatal().empty());
  sreq.clear();
  server.build_request(sreq);
  EXPECT_EQ(sreq, (Bytes{18, 6, 0x00, 0, 0, 0x40}));
  v = judge(client, sreq);
  EXPECT_EQ(v.code, kConfigureAck);
  EXPECT_EQ(client.tx_bits(), 0x40u);
  server.on_ack(opts_of(sreq));
  EXPECT_EQ(server.rx_bits(), 0x40u);
}

TEST(Ccp, StatefulOnlyAgainstStatelessOnlyFails) {
  MppePolicy only;
  only.stateful_only = true;
  CcpOptions client(only), server(MppePolicy{});
  client.reset_request();
  server.reset_request();
  Bytes creq;
  client.build_request(creq);
  Verdict v = judge(server, creq);
  EXPECT_EQ(v.code, kConfigureReject);  // "Refusing MPPE stateful mode offered by peer"
  EXPECT_TRUE(client.on_reject(opts_of(v.data)));
  EXPECT_EQ(client.fatal(), "MPPE required but peer refused");
  client.reset_request();
  EXPECT_TRUE(client.on_nak(opts_of(Bytes{18, 6, 0x01, 0, 0, 0x40})));  // peer insists on H
  EXPECT_EQ(client.fatal(), "MPPE required but peer negotiation failed");
}

}  // namespace
}  // namespace pptpx::ppp

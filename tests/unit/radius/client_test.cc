// SPDX-License-Identifier: MIT
// radius::Client, sans-I/O, against RADIUS servers played by the test with
// the codec: answers matched and verified, retransmission, failover to the
// next server and back after the dead time, forged or stale datagrams
// ignored (the request still completes), accounting's Acct-Delay-Time, 256
// identifiers per server, cancel.
#include "proto/radius/client.h"

#include <gtest/gtest.h>

#include "crypto/crypto.h"

namespace pptpx::radius {
namespace {

const Ipv4 kServer1{0x0a000005};
const Ipv4 kServer2{0x0a000006};

class RadiusClientTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(crypto::init()); }

  ClientConfig config() {
    ClientConfig c;
    c.auth_servers = {{kServer1, 1812, "secret1"}, {kServer2, 1812, "secret2"}};
    c.acct_servers = {{kServer1, 1813, "secret1"}};
    c.timeout = seconds(3);
    c.retries = 2;
    c.dead_time = seconds(30);
    return c;
  }

  Packet access_request(const std::string& user) {
    Packet p;
    p.code = Code::kAccessRequest;
    p.add(attr::kUserName, std::string_view(user));
    return p;
  }

  std::vector<Datagram> sent(Client& c) {
    std::vector<Datagram> out;
    while (auto d = c.poll_transmit()) out.push_back(std::move(*d));
    return out;
  }

  // The server's answer to a request datagram.
  Bytes answer(const Datagram& req, std::string_view secret, Code code,
               bool message_authenticator = true) {
    ParseResult r = parse(req.bytes);
    EXPECT_TRUE(r.ok());
    Packet a;
    a.code = code;
    a.id = r.packet.id;
    a.add(attr::kReplyMessage, std::string_view("hello"));
    return encode_response(a, r.packet.authenticator, secret, message_authenticator);
  }

  Time now = Time{} + seconds(1000);
  SeededRng rng{3};
};

TEST_F(RadiusClientTest, AnAnswerIsVerifiedAndMatched) {
  Client c(config(), rng, Logger());
  RequestId id = c.send(access_request("alice"), now);
  auto out = sent(c);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].address, kServer1);
  EXPECT_EQ(out[0].port, 1812);
  EXPECT_EQ(verify_access_request(out[0].bytes, "secret1", true), Verdict::kOk);
  c.on_datagram(kServer1, 1812, answer(out[0], "secret1", Code::kAccessAccept), now);
  auto ev = c.poll_event();
  ASSERT_TRUE(ev);
  auto* a = std::get_if<client_event::Answered>(&*ev);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->request, id);
  EXPECT_EQ(a->response.code, Code::kAccessAccept);
  EXPECT_EQ(a->response.string(attr::kReplyMessage), "hello");
  EXPECT_EQ(a->server, "10.0.0.5:1812");
  EXPECT_EQ(c.outstanding(), 0u);
  EXPECT_EQ(c.next_deadline(), kNever);
  EXPECT_FALSE(c.poll_event());
}

TEST_F(RadiusClientTest, ForgedStaleAndUnsignedAnswersAreIgnored) {
  Client c(config(), rng, Logger());
  c.send(access_request("alice"), now);
  auto out = sent(c);
  ASSERT_EQ(out.size(), 1u);
  const Bytes good = answer(out[0], "secret1", Code::kAccessAccept);
  c.on_datagram(Ipv4{0x0a000009}, 1812, good, now);  // not a server of ours
  c.on_datagram(kServer1, 1813, good, now);          // the accounting port
  Bytes other_id = good;
  other_id[1] ^= 1;
  c.on_datagram(kServer1, 1812, other_id, now);
  c.on_datagram(kServer1, 1812, answer(out[0], "wrong", Code::kAccessAccept), now);
  c.on_datagram(kServer1, 1812, answer(out[0], "secret1", Code::kAccessAccept, false), now);
  c.on_datagram(kServer1, 1812, ByteView(good).first(10), now);
  EXPECT_FALSE(c.poll_event());
  EXPECT_EQ(c.stats().unknown_source, 1u);
  EXPECT_EQ(c.stats().unmatched, 2u);  // the accounting port's request table, the other id
  EXPECT_EQ(c.stats().bad_authenticator, 2u);
  EXPECT_EQ(c.stats().malformed, 1u);
  c.on_datagram(kServer1, 1812, good, now);
  ASSERT_TRUE(c.poll_event());
  // The same answer again: nothing waits for it now.
  c.on_datagram(kServer1, 1812, good, now);
  EXPECT_FALSE(c.poll_event());
  EXPECT_EQ(c.stats().unmatched, 3u);
}

TEST_F(RadiusClientTest, OldServersWithoutMessageAuthenticatorWhenAllowed) {
  ClientConfig cfg = config();
  cfg.require_message_authenticator = false;
  Client c(cfg, rng, Logger());
  c.send(access_request("alice"), now);
  auto out = sent(c);
  c.on_datagram(kServer1, 1812, answer(out[0], "secret1", Code::kAccessReject, false), now);
  auto ev = c.poll_event();
  ASSERT_TRUE(ev && std::holds_alternative<client_event::Answered>(*ev));
}

TEST_F(RadiusClientTest, RetriesThenFailsOverAndComesBack) {
  Client c(config(), rng, Logger());
  c.send(access_request("alice"), now);
  auto first = sent(c);
  ASSERT_EQ(first.size(), 1u);
  // Two retransmissions of the same octets, 3 s apart.
  for (int i = 0; i < 2; ++i) {
    now += seconds(3);
    EXPECT_EQ(c.next_deadline(), now);
    c.on_timer(now);
    auto again = sent(c);
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0].bytes, first[0].bytes);
    EXPECT_EQ(again[0].address, kServer1);
  }
  now += seconds(3);
  c.on_timer(now);
  auto moved = sent(c);
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0].address, kServer2);
  EXPECT_EQ(verify_access_request(moved[0].bytes, "secret2", true), Verdict::kOk);
  EXPECT_EQ(c.stats().failovers, 1u);
  EXPECT_EQ(c.stats().retransmitted, 2u);
  // The first server's late answer no longer counts.
  c.on_datagram(kServer1, 1812, answer(first[0], "secret1", Code::kAccessAccept), now);
  EXPECT_FALSE(c.poll_event());
  c.on_datagram(kServer2, 1812, answer(moved[0], "secret2", Code::kAccessAccept), now);
  auto ev = c.poll_event();
  ASSERT_TRUE(ev);
  EXPECT_EQ(std::get<client_event::Answered>(*ev).server, "10.0.0.6:1812");

  // Server 1 is tried last for 30 s, then first again.
  c.send(access_request("bob"), now);
  EXPECT_EQ(sent(c).at(0).address, kServer2);
  now += seconds(31);
  c.send(access_request("carol"), now);
  EXPECT_EQ(sent(c).at(0).address, kServer1);
}

TEST_F(RadiusClientTest, NoServerAnsweringFailsTheRequestOnce) {
  Client c(config(), rng, Logger());
  RequestId id = c.send(access_request("alice"), now);
  int datagrams = 0;
  for (int i = 0; i < 20 && c.next_deadline() != kNever; ++i) {
    datagrams += static_cast<int>(sent(c).size());
    now = c.next_deadline();
    c.on_timer(now);
  }
  datagrams += static_cast<int>(sent(c).size());
  EXPECT_EQ(datagrams, 6);  // 3 to each server
  auto ev = c.poll_event();
  ASSERT_TRUE(ev);
  auto* f = std::get_if<client_event::Failed>(&*ev);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->request, id);
  EXPECT_EQ(f->reason, "no RADIUS server answered (10.0.0.6:1812 last, 3 tries each, 3 s apart)");
  EXPECT_FALSE(c.poll_event());
  EXPECT_EQ(c.outstanding(), 0u);

  ClientConfig none = config();
  none.acct_servers.clear();
  Client d(none, rng, Logger());
  Packet acct;
  acct.code = Code::kAccountingRequest;
  d.send(acct, now);
  ev = d.poll_event();
  ASSERT_TRUE(ev);
  EXPECT_EQ(std::get<client_event::Failed>(*ev).reason,
            "no RADIUS accounting server is configured");
}

TEST_F(RadiusClientTest, AccountingIsSignedAndCarriesItsDelay) {
  ClientConfig cfg = config();
  cfg.acct_servers.push_back({kServer2, 1813, "secret2"});
  Client c(cfg, rng, Logger());
  Packet acct;
  acct.code = Code::kAccountingRequest;
  acct.add_u32(attr::kAcctStatusType, 1);
  c.send(acct, now);
  auto out = sent(c);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].port, 1813);
  EXPECT_EQ(verify_signed_request(out[0].bytes, "secret1"), Verdict::kOk);
  EXPECT_EQ(parse(out[0].bytes).packet.u32(attr::kAcctDelayTime), 0u);
  for (int i = 0; i < 3; ++i) {
    now += seconds(3);
    c.on_timer(now);
  }
  out = sent(c);
  ASSERT_EQ(out.size(), 3u);  // two retransmissions, then the second server
  EXPECT_EQ(out[2].address, kServer2);
  EXPECT_EQ(verify_signed_request(out[2].bytes, "secret2"), Verdict::kOk);
  EXPECT_EQ(parse(out[2].bytes).packet.u32(attr::kAcctDelayTime), 9u);
  ParseResult r = parse(out[2].bytes);
  Packet resp;
  resp.code = Code::kAccountingResponse;
  resp.id = r.packet.id;
  c.on_datagram(kServer2, 1813, encode_response(resp, r.packet.authenticator, "secret2", false),
                now);
  auto ev = c.poll_event();
  ASSERT_TRUE(ev && std::holds_alternative<client_event::Answered>(*ev));
}

TEST_F(RadiusClientTest, TwoHundredFiftySixIdentifiersPerServer) {
  Client c(config(), rng, Logger());
  std::vector<RequestId> ids;
  ids.reserve(300);
  for (int i = 0; i < 300; ++i) ids.push_back(c.send(access_request("u" + std::to_string(i)), now));
  auto out = sent(c);
  ASSERT_EQ(out.size(), 256u);
  EXPECT_EQ(c.outstanding(), 300u);
  // One answered: one waiting request takes its identifier.
  c.on_datagram(kServer1, 1812, answer(out[17], "secret1", Code::kAccessReject), now);
  ASSERT_TRUE(c.poll_event());
  auto next = sent(c);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(parse(next[0].bytes).packet.id, parse(out[17].bytes).packet.id);
  EXPECT_EQ(parse(next[0].bytes).packet.string(attr::kUserName), "u256");
  // Cancelled: no event, and the identifier goes to the next in line.
  c.cancel(ids[0]);
  EXPECT_EQ(sent(c).size(), 1u);
  EXPECT_FALSE(c.poll_event());
  EXPECT_EQ(c.outstanding(), 298u);
}

}  // namespace
}  // namespace pptpx::radius

// SPDX-License-Identifier: MIT
// Replays real pppd sessions (tests/data/mppe/*.pcapng, user "user1",
// password "secret1"): recomputes the MS-CHAPv2 exchange, derives both
// directions' MPPE keys and decrypts every captured MPPE packet.
#include <gtest/gtest.h>

#include <map>

#include "base/hex.h"
#include "crypto/mppe_keys.h"
#include "crypto/mschap.h"
#include "proto/mppe/mppe.h"
#include "support/pcapng.h"

namespace pptpx::mppe {
namespace {

constexpr uint16_t kChap = 0xc223;
constexpr uint16_t kMppe = 0x00fd;

// RFC 1071 checksum over an IPv4 header: 0 when the stored checksum is right.
uint16_t ip_checksum(ByteView h) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < h.size(); i += 2) sum += get_u16(&h[i]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

struct CaptureCase {
  const char* file;
  int bits;
  const char* challenge;      // from the pppd log
  const char* authenticator;  // "S=..." from the pppd log
};

class CaptureTest : public ::testing::TestWithParam<CaptureCase> {
 protected:
  static void SetUpTestSuite() { ASSERT_TRUE(crypto::init()); }
};

INSTANTIATE_TEST_SUITE_P(
    Pppd, CaptureTest,
    ::testing::Values(CaptureCase{"mschapv2-mppe128-stateless.pcapng", 128,
                                  "c94651a37f9d5c191a557b21d2121bcb",
                                  "S=8C083B7742B183F75EC141141A78DA8590AC7116"},
                      CaptureCase{"mschapv2-mppe40.pcapng", 40, "1a2fa97195f10a6576d25e585cd1c67f",
                                  "S=F8F3289BF60519F91759EEC027F5D72C488E6394"}),
    [](const auto& p) { return "Mppe" + std::to_string(p.param.bits); });

TEST_P(CaptureTest, MschapV2AndEveryMppePacketDecrypts) {
  const CaptureCase& c = GetParam();
  auto packets = test::read_pcapng(std::string(PPTPX_TEST_DATA) + "/mppe/" + c.file);
  ASSERT_TRUE(packets.has_value());
  ASSERT_FALSE(packets->empty());
  EXPECT_EQ((*packets)[0].link_type, test::kLinkEthernet);

  std::vector<test::GrePpp> frames;
  for (const auto& p : *packets) {
    if (auto g = test::decode_gre_ppp(p)) frames.push_back(std::move(*g));
  }
  ASSERT_GT(frames.size(), 20u);

  // The MS-CHAPv2 exchange: Challenge (code 1) from the server, Response (2)
  // from the client, Success (3) carrying the authenticator response.
  std::optional<crypto::Challenge16> auth_challenge, peer_challenge;
  std::optional<crypto::Response24> nt_response;
  std::string user, success;
  uint32_t server_ip = 0;
  for (const auto& f : frames) {
    if (f.protocol != kChap || f.info.size() < 4) continue;
    Reader r(f.info);
    uint8_t code = r.u8();
    r.skip(1);
    uint16_t len = r.u16();
    ASSERT_LE(len, f.info.size());
    if (code == 1) {
      ASSERT_EQ(r.u8(), 16);
      crypto::Challenge16 ch;
      ByteView v = r.bytes(16);
      std::copy(v.begin(), v.end(), ch.begin());
      auth_challenge = ch;
      server_ip = f.src;
    } else if (code == 2) {
      ASSERT_EQ(r.u8(), 49);
      ByteView v = r.bytes(49);
      ASSERT_TRUE(r.ok());
      crypto::Challenge16 pc;
      crypto::Response24 nt;
      std::copy(v.begin(), v.begin() + 16, pc.begin());
      std::copy(v.begin() + 24, v.begin() + 48, nt.begin());
      peer_challenge = pc;
      nt_response = nt;
      user = std::string(as_chars(r.bytes(len - 4 - 1 - 49)));
    } else if (code == 3) {
      success = std::string(as_chars(r.bytes(len - 4)));
    }
  }
  ASSERT_TRUE(auth_challenge && peer_challenge && nt_response);
  EXPECT_EQ(to_hex(*auth_challenge), c.challenge);
  EXPECT_EQ(user, "user1");

  crypto::NtHash h = crypto::nt_password_hash("secret1");
  EXPECT_EQ(crypto::generate_nt_response(*auth_challenge, *peer_challenge, user, h), *nt_response);
  auto ar = crypto::generate_authenticator_response(h, *nt_response, *peer_challenge,
                                                    *auth_challenge, user);
  EXPECT_EQ(crypto::authenticator_response_string(ar), c.authenticator);
  EXPECT_EQ(success.substr(0, 42), c.authenticator);

  auto server = crypto::mschap2_start_keys(h, *nt_response, true);
  auto client = crypto::mschap2_start_keys(h, *nt_response, false);
  Settings s{c.bits, true};
  auto key = [&](const crypto::MppeStartKeys& k, bool send) {
    if (c.bits == 128) return send ? k.send.data() : k.recv.data();
    return send ? k.send64.data() : k.recv64.data();
  };
  // Decrypt each direction as the receiving side would: the client receives
  // what the server sends and vice versa.
  Decryptor at_client(key(client, false), s);
  Decryptor at_server(key(server, false), s);
  std::map<uint16_t, int> inner_protocols;
  int per_direction[2] = {0, 0};
  for (auto& f : frames) {
    if (f.protocol != kMppe) continue;
    bool from_server = f.src == server_ip;
    Decryptor& dec = from_server ? at_client : at_server;
    SCOPED_TRACE(testing::Message() << (from_server ? "server->client" : "client->server")
                                    << " seq " << f.seq.value_or(0));
    ASSERT_GE(f.info.size(), 2u);
    EXPECT_EQ(f.info[0] & 0xf0, 0x90);  // stateless: A|D on every packet
    auto r = dec.decrypt(f.info);
    ASSERT_TRUE(r.ok()) << to_string(r.error);
    ++per_direction[from_server];
    Reader pr(r.plaintext);
    uint8_t p0 = pr.u8();
    uint16_t proto = (p0 & 1) ? p0 : static_cast<uint16_t>((p0 << 8) | pr.u8());
    ++inner_protocols[proto];
    ByteView ip = pr.rest();
    if (proto == 0x0021) {
      ASSERT_GE(ip.size(), 20u);
      EXPECT_EQ(ip[0] >> 4, 4);
      size_t ihl = (ip[0] & 0x0fu) * size_t{4};
      ASSERT_GE(ip.size(), ihl);
      EXPECT_EQ(ip_checksum(ip.subspan(0, ihl)), 0);
      EXPECT_EQ(get_u16(&ip[2]), ip.size());
    } else if (proto == 0x0057) {
      ASSERT_GE(ip.size(), 40u);
      EXPECT_EQ(ip[0] >> 4, 6);
      EXPECT_EQ(get_u16(&ip[4]) + 40u, ip.size());
    } else {
      ADD_FAILURE() << "inner protocol " << proto;
    }
  }
  EXPECT_GT(per_direction[0], 0);
  EXPECT_GT(per_direction[1], 0);
  EXPECT_GT(inner_protocols[0x0021], 0);
  EXPECT_EQ(at_client.stats().decrypted + at_server.stats().decrypted,
            static_cast<uint64_t>(per_direction[0] + per_direction[1]));
  for (auto [proto, n] : inner_protocols) {
    std::cout << "  inner protocol 0x" << std::hex << proto << std::dec << ": " << n << "\n";
  }
}

}  // namespace
}  // namespace pptpx::mppe

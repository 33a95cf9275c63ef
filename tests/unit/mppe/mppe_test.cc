// SPDX-License-Identifier: MIT
// MPPE transform: the computed first-packet vectors, round trips for every
// strength and mode, loss, reordering, flushes, and malformed input.
#include "proto/mppe/mppe.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "base/rng.h"
#include "crypto/mppe_keys.h"
#include "unit/crypto/test_vectors.h"

namespace pptpx::mppe {
namespace {

using test::hex;
using test::Vectors;

// Start keys from the RFC 2759 9.2 exchange: server send (= client receive).
crypto::MppeStartKeys rfc_server_keys() {
  const Vectors& v = Vectors::get();
  return crypto::mschap2_start_keys(crypto::nt_password_hash("clientPass"),
                                    v.array<24>("mschapv2.nt_response"), true);
}

// A packet as the PPP layer hands it over: 2 octets of headroom, then
// [inner protocol | payload].
Bytes make_packet(uint16_t protocol, uint32_t tag, size_t payload_len) {
  Bytes b(kHeaderSize + 2 + payload_len);
  put_u16(&b[2], protocol);
  for (size_t i = 0; i < payload_len; ++i) b[4 + i] = static_cast<uint8_t>(tag * size_t{31} + i);
  if (payload_len >= 4) put_u32(&b[4], tag);
  return b;
}

// An MPPE packet carrying the start of an IPv4 packet, version, header
// length and total length right (the resync guesses check them).
Bytes ipv4(uint32_t tag) {
  Bytes p = make_packet(0x0021, tag, 40);
  p[4] = 0x45;
  put_u16(&p[6], 40);
  return p;
}

// Sends n packets, tagged from i on, that all arrive.
void send_in_step(Encryptor& enc, Decryptor& dec, uint32_t& i, uint32_t n) {
  for (uint32_t end = i + n; i < end; ++i) {
    Bytes p = ipv4(i);
    enc.encrypt(p.data(), p.size());
    ASSERT_TRUE(dec.decrypt(p).ok()) << i;
  }
}

// Encrypts n packets, tagged from i on, that the network loses.
void lose(Encryptor& enc, uint32_t& i, uint32_t n) {
  for (uint32_t end = i + n; i < end; ++i) {
    Bytes p = ipv4(i);
    enc.encrypt(p.data(), p.size());
  }
}

class MppeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_TRUE(crypto::init()); }
};

TEST_F(MppeTest, StatelessFirstPacketVector) {
  const Vectors& v = Vectors::get();
  auto keys = rfc_server_keys();
  Encryptor enc(keys.send.data(), {128, true});
  Bytes plain =
      v.bytes("mppe_computed.stateless_128_first_packet.plaintext_ppp_protocol_and_payload");
  Bytes buf(2);
  buf.insert(buf.end(), plain.begin(), plain.end());
  enc.encrypt(buf.data(), buf.size());
  EXPECT_EQ("ff0300fd" + hex(buf),
            v.text("mppe_computed.stateless_128_first_packet.ppp_frame_with_address_control"));
  EXPECT_EQ(enc.coherency_count(), 0);
  EXPECT_EQ(enc.key_changes(), 1u);

  // The client decrypts it with its receive key (the same Magic3 key).
  auto client = crypto::mschap2_start_keys(crypto::nt_password_hash("clientPass"),
                                           v.array<24>("mschapv2.nt_response"), false);
  Decryptor dec(client.recv.data(), {128, true});
  auto r = dec.decrypt(buf);
  ASSERT_TRUE(r.ok()) << to_string(r.error);
  EXPECT_EQ(hex(r.plaintext), hex(plain));
}

TEST_F(MppeTest, StatefulFirstPacketVector) {
  const Vectors& v = Vectors::get();
  auto keys = rfc_server_keys();
  Encryptor enc(keys.send.data(), {128, false});
  Bytes buf = {0, 0, 0x00, 0x21};
  std::string msg = "test message";
  buf.insert(buf.end(), msg.begin(), msg.end());
  enc.encrypt(buf.data(), buf.size());
  EXPECT_EQ("ff0300fd" + hex(buf),
            v.text("mppe_computed.stateful_128_first_packet.ppp_frame_with_address_control"));
  EXPECT_EQ(enc.key_changes(), 0u);
  Decryptor dec(keys.send.data(), {128, false});
  auto r = dec.decrypt(buf);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(as_chars(r.plaintext.subspan(2)), msg);
}

struct Mode {
  int bits;
  bool stateless;
};

class RoundTrip : public MppeTest, public ::testing::WithParamInterface<Mode> {};

INSTANTIATE_TEST_SUITE_P(AllModes, RoundTrip,
                         ::testing::Values(Mode{40, true}, Mode{56, true}, Mode{128, true},
                                           Mode{40, false}, Mode{56, false}, Mode{128, false}),
                         [](const auto& p) {
                           return std::to_string(p.param.bits) +
                                  (p.param.stateless ? "Stateless" : "Stateful");
                         });

// 5000 packets: wraps the 12-bit count and crosses every flag packet.
TEST_P(RoundTrip, LosslessInOrder) {
  auto keys = rfc_server_keys();
  const uint8_t* key = GetParam().bits == 128 ? keys.send.data() : keys.send64.data();
  Settings s{GetParam().bits, GetParam().stateless};
  Encryptor enc(key, s);
  Decryptor dec(key, s);
  for (uint32_t i = 0; i < 5000; ++i) {
    Bytes pkt = make_packet(0x0021, i, i % 97);
    Bytes orig = pkt;
    enc.encrypt(pkt.data(), pkt.size());
    EXPECT_EQ(get_u16(pkt.data()) & 0x0fff, i % 4096);
    bool flag = s.stateless || (i & 0xff) == 0xff;
    EXPECT_EQ(pkt[0] & 0xf0, flag ? 0x90 : 0x10) << i;
    ASSERT_NE(Bytes(pkt.begin() + 2, pkt.end()), Bytes(orig.begin() + 2, orig.end()));
    auto r = dec.decrypt(pkt);
    ASSERT_TRUE(r.ok()) << i << " " << to_string(r.error);
    ASSERT_EQ(hex(r.plaintext), hex(ByteView(orig).subspan(2))) << i;
  }
  EXPECT_EQ(dec.stats().decrypted, 5000u);
  EXPECT_EQ(dec.stats().key_changes, enc.key_changes());
  EXPECT_FALSE(dec.take_reset_request());
}

TEST_P(RoundTrip, DirectionsUseDifferentKeys) {
  auto keys = rfc_server_keys();
  Settings s{GetParam().bits, GetParam().stateless};
  const uint8_t* send = GetParam().bits == 128 ? keys.send.data() : keys.send64.data();
  const uint8_t* recv = GetParam().bits == 128 ? keys.recv.data() : keys.recv64.data();
  Encryptor enc(send, s);
  Decryptor wrong(recv, s);
  Bytes pkt = make_packet(0x0021, 7, 40);
  Bytes orig = pkt;
  enc.encrypt(pkt.data(), pkt.size());
  auto r = wrong.decrypt(pkt);
  if (!GetParam().stateless && !r.ok()) {
    // Stateful mode checks that the plaintext starts with a protocol number.
    EXPECT_EQ(r.error, DecryptError::kGarbled);
    EXPECT_TRUE(wrong.discarding());
    EXPECT_TRUE(wrong.take_reset_request());
    return;
  }
  ASSERT_TRUE(r.ok());  // MPPE has no integrity check: garbage comes out
  EXPECT_NE(hex(r.plaintext), hex(ByteView(orig).subspan(2)));
}

// Stateful: a flushed packet lost inside a 256-packet block leaves the
// receiver one key change behind (the count shows only the block; Linux
// stays garbled). The next flushed packet resyncs by guessing unseen
// flushes from the IPv4 plaintext; a garbled packet asks for a flush.
TEST_F(MppeTest, StatefulLostFlushedPacketResyncs) {
  auto keys = rfc_server_keys();
  Settings s{128, false};
  Encryptor enc(keys.send.data(), s);
  Decryptor dec(keys.send.data(), s);
  uint32_t first = 0;
  send_in_step(enc, dec, first, 5);
  enc.request_flush();  // the peer's Reset-Request, say a repeated one
  Bytes lost = ipv4(5);
  enc.encrypt(lost.data(), lost.size());
  ASSERT_TRUE(lost[0] & kBitFlushed);
  Bytes next = ipv4(6);
  enc.encrypt(next.data(), next.size());
  EXPECT_EQ(dec.decrypt(next).error, DecryptError::kOutOfSequence);
  EXPECT_TRUE(dec.take_reset_request());
  Bytes more = ipv4(7);
  enc.encrypt(more.data(), more.size());
  EXPECT_EQ(dec.decrypt(more).error, DecryptError::kDiscarding);
  EXPECT_TRUE(dec.take_discard_report());
  EXPECT_FALSE(dec.take_discard_report());
  enc.request_flush();  // our Reset-Request answered
  Bytes flushed = ipv4(8);
  Bytes orig = flushed;
  enc.encrypt(flushed.data(), flushed.size());
  auto r = dec.decrypt(flushed);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(hex(r.plaintext), hex(ByteView(orig).subspan(2)));
  EXPECT_EQ(dec.stats().resyncs, 1u);
  EXPECT_EQ(dec.stats().resync_extra, 1u);
  for (uint32_t i = 9; i < 300; ++i) {  // across the next flag packet too
    Bytes p = ipv4(i);
    Bytes o = p;
    enc.encrypt(p.data(), p.size());
    auto q = dec.decrypt(p);
    ASSERT_TRUE(q.ok()) << i;
    ASSERT_EQ(hex(q.plaintext), hex(ByteView(o).subspan(2))) << i;
  }
}

TEST_P(RoundTrip, RandomLossAndRecovery) {
  auto keys = rfc_server_keys();
  const uint8_t* key = GetParam().bits == 128 ? keys.send.data() : keys.send64.data();
  Settings s{GetParam().bits, GetParam().stateless};
  Encryptor enc(key, s);
  Decryptor dec(key, s);
  SeededRng rng(GetParam().bits * 2 + GetParam().stateless);
  uint64_t offered = 0, delivered = 0, dropped_by_net = 0, resets = 0;
  for (uint32_t i = 0; i < 6000; ++i) {
    Bytes pkt = make_packet(0x0057, i, 60);
    Bytes orig = pkt;
    enc.encrypt(pkt.data(), pkt.size());
    // Bursts of loss, including runs long enough to skip flag packets. In
    // stateful mode the packet answering a Reset-Request is never lost: the
    // receiver cannot count a lost reset key change (Linux cannot either).
    uint32_t roll = rng.u32() % 1000;
    bool reset_answer = !s.stateless && (pkt[0] & 0x80) && (get_u16(pkt.data()) & 0xff) != 0xff;
    if (reset_answer) roll = 500;
    if (roll < 30) {
      ++dropped_by_net;
      continue;
    }
    if (roll == 999) {  // a burst of 300 lost packets
      for (int k = 0; k < 300; ++k) {
        Bytes lost = make_packet(0x0021, ++i, 10);
        enc.encrypt(lost.data(), lost.size());
      }
      continue;
    }
    ++offered;
    auto r = dec.decrypt(pkt);
    if (dec.take_reset_request()) {
      ++resets;
      enc.request_flush();  // the peer got our CCP Reset-Request
    }
    if (r.ok()) {
      ++delivered;
      ASSERT_EQ(hex(r.plaintext), hex(ByteView(orig).subspan(2))) << "packet " << i;
    } else {
      ASSERT_FALSE(s.stateless) << to_string(r.error);
      ASSERT_TRUE(r.error == DecryptError::kOutOfSequence || r.error == DecryptError::kDiscarding);
    }
  }
  EXPECT_GT(dropped_by_net, 100u);
  if (s.stateless) {
    EXPECT_EQ(delivered, offered);  // every packet that arrives decrypts
    EXPECT_EQ(resets, 0u);
  } else {
    EXPECT_GT(resets, 50u);
    EXPECT_GT(delivered * 10, offered * 8);
    // Every gap is either a Reset-Request or, when the first packet after
    // it has A, a resync on the spot.
    EXPECT_GE(dec.stats().out_of_sequence, resets);
    EXPECT_LE(dec.stats().out_of_sequence - resets, dec.stats().resyncs);
  }
}

TEST_P(RoundTrip, ReorderingIsDroppedNotRolledBack) {
  auto keys = rfc_server_keys();
  const uint8_t* key = GetParam().bits == 128 ? keys.send.data() : keys.send64.data();
  Settings s{GetParam().bits, GetParam().stateless};
  Encryptor enc(key, s);
  Decryptor dec(key, s);
  std::vector<Bytes> sent, orig;
  for (uint32_t i = 0; i < 6; ++i) {
    sent.push_back(make_packet(0x0021, i, 20));
    orig.push_back(sent.back());
    enc.encrypt(sent.back().data(), sent.back().size());
  }
  // Arrival order 0 2 1 3 4 5.
  ASSERT_TRUE(dec.decrypt(sent[0]).ok());
  auto r2 = dec.decrypt(sent[2]);
  auto r1 = dec.decrypt(sent[1]);
  if (s.stateless) {
    ASSERT_TRUE(r2.ok());
    EXPECT_EQ(hex(r2.plaintext), hex(ByteView(orig[2]).subspan(2)));
    EXPECT_EQ(r1.error, DecryptError::kLate);
    for (int i : {3, 4, 5}) {
      auto r = dec.decrypt(sent[i]);
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(hex(r.plaintext), hex(ByteView(orig[i]).subspan(2)));
    }
    EXPECT_EQ(dec.stats().late, 1u);
    EXPECT_FALSE(dec.too_many_errors());
  } else {
    EXPECT_EQ(r2.error, DecryptError::kOutOfSequence);
    EXPECT_TRUE(dec.take_reset_request());
    EXPECT_FALSE(dec.take_reset_request());
    EXPECT_EQ(r1.error, DecryptError::kDiscarding);
    EXPECT_EQ(dec.decrypt(sent[3]).error, DecryptError::kDiscarding);
    EXPECT_TRUE(dec.discarding());
    enc.request_flush();
    enc.request_flush();  // two requests, one key change
    Bytes p = make_packet(0x0021, 99, 20);
    Bytes o = p;
    uint64_t before = enc.key_changes();
    enc.encrypt(p.data(), p.size());
    EXPECT_EQ(enc.key_changes(), before + 1);
    EXPECT_EQ(p[0] & 0xf0, 0x90);
    auto r = dec.decrypt(p);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(hex(r.plaintext), hex(ByteView(o).subspan(2)));
    EXPECT_FALSE(dec.discarding());
  }
}

TEST_F(MppeTest, StatelessRejectsDuplicatesAndCapsForwardJumps) {
  auto keys = rfc_server_keys();
  Settings s{128, true, 100};
  Encryptor enc(keys.send.data(), s);
  Decryptor dec(keys.send.data(), s);
  Bytes p = make_packet(0x0021, 1, 8);
  enc.encrypt(p.data(), p.size());
  Bytes copy = p;
  ASSERT_TRUE(dec.decrypt(p).ok());
  EXPECT_EQ(dec.decrypt(copy).error, DecryptError::kDuplicate);
  for (int i = 0; i < 100; ++i) {
    Bytes lost = make_packet(0x0021, 2, 8);
    enc.encrypt(lost.data(), lost.size());
  }
  Bytes far = make_packet(0x0021, 3, 8);
  enc.encrypt(far.data(), far.size());  // count 101 = 101 steps ahead of 0
  Bytes far_copy = far;
  EXPECT_EQ(dec.decrypt(far).error, DecryptError::kJumpTooFar);
  EXPECT_EQ(dec.stats().jump_too_far, 1u);
  EXPECT_EQ(dec.coherency_count(), 0);
  Decryptor lenient(keys.send.data(), {128, true, 2048});
  ASSERT_TRUE(lenient.decrypt(far_copy).ok());
  EXPECT_EQ(lenient.coherency_count(), 101);
  EXPECT_EQ(lenient.stats().key_changes, 102u);
}

TEST_F(MppeTest, StatefulLossAcrossFlagPacketsResyncs) {
  auto keys = rfc_server_keys();
  for (uint32_t last_ok : {0x0fcu, 0x0fdu, 0x0feu, 0x0ffu, 0x100u, 0x1feu}) {
    for (uint32_t lost : {1u, 2u, 255u, 256u, 257u, 700u, 3000u}) {
      SCOPED_TRACE(testing::Message() << "last_ok " << last_ok << " lost " << lost);
      Settings s{128, false};
      Encryptor enc(keys.send.data(), s);
      Decryptor dec(keys.send.data(), s);
      uint32_t i = 0;
      for (; i <= last_ok; ++i) {
        Bytes p = make_packet(0x0021, i, 4);
        enc.encrypt(p.data(), p.size());
        ASSERT_TRUE(dec.decrypt(p).ok());
      }
      for (uint32_t k = 0; k < lost; ++k, ++i) {
        Bytes p = make_packet(0x0021, i, 4);
        enc.encrypt(p.data(), p.size());
      }
      Bytes p = make_packet(0x0021, i, 4);
      Bytes po = p;
      enc.encrypt(p.data(), p.size());
      // The first packet after a gap is taken when it has A (Linux drops it
      // and waits for a Reset-Request round trip); otherwise dropped.
      const bool flushed = (p[0] & kBitFlushed) != 0;
      const bool far = lost + 1 >= kCountSpace / 2;
      auto r = dec.decrypt(p);
      if (flushed && !far) {
        ASSERT_TRUE(r.ok()) << to_string(r.error);
        EXPECT_EQ(hex(r.plaintext), hex(ByteView(po).subspan(2)));
        EXPECT_FALSE(dec.take_reset_request());
        EXPECT_EQ(dec.stats().resyncs, 1u);
      } else {
        EXPECT_EQ(r.error, DecryptError::kOutOfSequence);
        EXPECT_TRUE(dec.take_reset_request());
      }
      enc.request_flush();
      Bytes q = make_packet(0x0021, 12345, 16);
      Bytes o = q;
      enc.encrypt(q.data(), q.size());
      auto rq = dec.decrypt(q);
      ASSERT_TRUE(rq.ok()) << to_string(rq.error);
      EXPECT_EQ(hex(rq.plaintext), hex(ByteView(o).subspan(2)));
      for (int k = 0; k < 600; ++k) {  // and the stream stays in step
        Bytes n = make_packet(0x0021, k, 4);
        Bytes no = n;
        enc.encrypt(n.data(), n.size());
        auto rn = dec.decrypt(n);
        ASSERT_TRUE(rn.ok());
        ASSERT_EQ(hex(rn.plaintext), hex(ByteView(no).subspan(2)));
      }
    }
  }
}

TEST_F(MppeTest, StatefulFlushedPacketAfterLossIsTakenAtOnce) {
  // Packets lost, then the peer flushes (it got a Reset-Request we sent
  // earlier, or a repeated one): the flushed packet needs no new round trip.
  auto keys = rfc_server_keys();
  Settings s{128, false};
  Encryptor enc(keys.send.data(), s);
  Decryptor dec(keys.send.data(), s);
  uint32_t i = 0;
  send_in_step(enc, dec, i, 10);
  lose(enc, i, 3);
  enc.request_flush();
  lose(enc, i, 1);  // a flushed packet lost too: guessed
  Bytes p = ipv4(i++);
  enc.encrypt(p.data(), p.size());
  EXPECT_EQ(dec.decrypt(p).error, DecryptError::kOutOfSequence);
  EXPECT_TRUE(dec.take_reset_request());
  enc.request_flush();
  Bytes q = ipv4(i++);
  Bytes qo = q;
  enc.encrypt(q.data(), q.size());
  auto r = dec.decrypt(q);
  ASSERT_TRUE(r.ok()) << to_string(r.error);
  EXPECT_EQ(hex(r.plaintext), hex(ByteView(qo).subspan(2)));
  // Now lose two more and receive a flushed packet straight away.
  lose(enc, i, 2);
  enc.request_flush();
  Bytes f = ipv4(i++);
  Bytes fo = f;
  enc.encrypt(f.data(), f.size());
  auto rf = dec.decrypt(f);
  ASSERT_TRUE(rf.ok()) << to_string(rf.error);
  EXPECT_EQ(hex(rf.plaintext), hex(ByteView(fo).subspan(2)));
  EXPECT_FALSE(dec.take_reset_request());
  EXPECT_FALSE(dec.discarding());
  EXPECT_EQ(dec.stats().resyncs, 2u);
  EXPECT_EQ(dec.stats().resync_extra, 1u);
  EXPECT_EQ(dec.stats().out_of_sequence, 2u);
}

// The coherency count has 12 bits: after an outage of more than 4096
// packets the receiver cannot count the flag packets it missed, and Linux
// stays garbled. The resync guesses on, one key change at a time, within a
// budget earned by the packets received before.
TEST_F(MppeTest, StatefulOutageLongerThanACountTurnResyncs) {
  auto keys = rfc_server_keys();
  Settings s{128, false};
  for (uint32_t lost : {4096u + 5, 3u * 4096 + 700}) {
    SCOPED_TRACE(lost);
    Encryptor enc(keys.send.data(), s);
    Decryptor dec(keys.send.data(), s);
    uint32_t i = 0;
    send_in_step(enc, dec, i, 600);
    lose(enc, i, lost);
    // Traffic comes back: dropped until a flushed (flag) packet.
    for (;;) {
      Bytes p = ipv4(i++);
      Bytes po = p;
      enc.encrypt(p.data(), p.size());
      auto r = dec.decrypt(p);
      if (!(p[0] & kBitFlushed)) {
        ASSERT_FALSE(r.ok());
        continue;
      }
      ASSERT_TRUE(r.ok()) << to_string(r.error);
      EXPECT_EQ(hex(r.plaintext), hex(ByteView(po).subspan(2)));
      break;
    }
    EXPECT_EQ(dec.stats().resync_extra, 1u);
    send_in_step(enc, dec, i, 600);  // and it stays in step, flag packets included
  }
}

// A peer cannot make every resync search long: beyond the first guesses,
// each one is paid for by a packet received.
TEST_F(MppeTest, StatefulResyncSearchIsBudgeted) {
  auto keys = rfc_server_keys();
  Settings s{128, false};
  s.ip_only = true;  // so the garbage of a failed search shows
  Encryptor enc(keys.send.data(), s);
  Decryptor dec(keys.send.data(), s);
  uint32_t i = 0;
  send_in_step(enc, dec, i, 3);
  lose(enc, i, 1);
  for (int k = 0; k < 600; ++k) {  // more lost flushes than one search covers
    enc.request_flush();
    lose(enc, i, 1);
  }
  enc.request_flush();
  Bytes f = ipv4(i++);
  enc.encrypt(f.data(), f.size());
  uint64_t w0 = dec.stats().key_work;
  // The reserve is searched in vain: Linux's count, garbage.
  EXPECT_EQ(dec.decrypt(f).error, DecryptError::kGarbled);
  EXPECT_GE(dec.stats().key_work - w0, 512u);
  // The peer flushes again at once: the reserve is spent, so this search
  // is short - a peer cannot make us run the long search for every packet.
  enc.request_flush();
  Bytes g2 = ipv4(i++);
  enc.encrypt(g2.data(), g2.size());
  uint64_t w1 = dec.stats().key_work;
  EXPECT_FALSE(dec.decrypt(g2).ok());
  EXPECT_LE(dec.stats().key_work - w1, 16u);  // the free guesses and the count's own
  // With traffic behind it, the same loss is found.
  Encryptor enc2(keys.send.data(), s);
  Decryptor dec2(keys.send.data(), s);
  i = 0;
  send_in_step(enc2, dec2, i, 50);
  lose(enc2, i, 1);
  for (int k = 0; k < 8; ++k) {
    enc2.request_flush();
    lose(enc2, i, 1);
  }
  enc2.request_flush();
  Bytes g = ipv4(i++);
  Bytes go = g;
  enc2.encrypt(g.data(), g.size());
  auto r = dec2.decrypt(g);
  ASSERT_TRUE(r.ok()) << to_string(r.error);
  EXPECT_EQ(hex(r.plaintext), hex(ByteView(go).subspan(2)));
}

// ip_only (the data path's setting): wrong keys show on the first packet,
// where the protocol-number check lets about 3 packets in 7 through.
TEST_F(MppeTest, StatefulIpOnlyCatchesWrongKeysAtOnce) {
  auto keys = rfc_server_keys();
  int loose_passed = 0;
  for (bool ip_only : {true, false}) {
    Settings s{128, false};
    s.ip_only = ip_only;
    for (uint32_t i = 0; i < 200; ++i) {
      Encryptor enc(keys.send.data(), s);
      Bytes p = ipv4(i);
      enc.encrypt(p.data(), p.size());
      Bytes copy = p;
      Decryptor right(keys.send.data(), s);
      ASSERT_TRUE(right.decrypt(p).ok());  // real IPv4 passes either way
      auto key = keys.recv;                // a different wrong key each time
      key[0] ^= static_cast<uint8_t>(i);
      Decryptor wrong(key.data(), s);
      auto r = wrong.decrypt(copy);
      if (ip_only) {
        ASSERT_EQ(r.error, DecryptError::kGarbled) << i;
      } else {
        loose_passed += r.ok();
      }
    }
  }
  EXPECT_GT(loose_passed, 0);
}

TEST_F(MppeTest, StatefulFlagPacketLostThenNextFlagResyncsWithoutReset) {
  // Lost packets up to and including a flag packet; the peer never gets the
  // Reset-Request: the next flag packet (A set) brings the receiver back.
  auto keys = rfc_server_keys();
  Settings s{40, false};
  Encryptor enc(keys.send64.data(), s);
  Decryptor dec(keys.send64.data(), s);
  for (uint32_t i = 0; i < 0x210; ++i) {
    Bytes p = make_packet(0x0021, i, 4);
    Bytes o = p;
    enc.encrypt(p.data(), p.size());
    if (i >= 0xf0 && i <= 0x100) continue;  // lost, flag packet 0xff among them
    auto r = dec.decrypt(p);
    bool want_ok = i < 0xf0 || i >= 0x1ff;
    ASSERT_EQ(r.ok(), want_ok) << i << " " << to_string(r.error);
    if (i == 0x101) {
      EXPECT_EQ(r.error, DecryptError::kOutOfSequence);
    }
    if (r.ok()) {
      ASSERT_EQ(hex(r.plaintext), hex(ByteView(o).subspan(2))) << i;
    }
  }
  EXPECT_TRUE(dec.take_reset_request());
  EXPECT_EQ(dec.stats().discarded, 0x1ff - 0x102u);
}

TEST_F(MppeTest, MalformedPacketsAreCountedAndScored) {
  auto keys = rfc_server_keys();
  Decryptor dec(keys.send.data(), {128, true});
  Bytes tiny = {0x90, 0x00};
  EXPECT_EQ(dec.decrypt(tiny).error, DecryptError::kTooShort);
  EXPECT_EQ(dec.decrypt({}).error, DecryptError::kTooShort);
  Bytes clear = {0x80, 0x00, 0x00, 0x21};
  EXPECT_EQ(dec.decrypt(clear).error, DecryptError::kNotEncrypted);
  Bytes mppc = {0xb0, 0x00, 0x00, 0x21};
  EXPECT_EQ(dec.decrypt(mppc).error, DecryptError::kCompressed);
  Bytes no_a = {0x10, 0x00, 0x00, 0x21};
  EXPECT_EQ(dec.decrypt(no_a).error, DecryptError::kMissingFlushed);
  EXPECT_EQ(no_a, (Bytes{0x10, 0x00, 0x00, 0x21}));  // untouched
  const auto& st = dec.stats();
  EXPECT_EQ(st.too_short, 2u);
  EXPECT_EQ(st.not_encrypted, 1u);
  EXPECT_EQ(st.compressed, 1u);
  EXPECT_EQ(st.missing_flushed, 1u);
  EXPECT_EQ(st.key_changes, 0u);
  EXPECT_EQ(dec.coherency_count(), 4095);
  for (int k = 0; k < 10; ++k) dec.decrypt(no_a);
  EXPECT_FALSE(dec.too_many_errors());  // 16 x 100 reaches 1600 at the next one
  dec.decrypt(no_a);
  EXPECT_TRUE(dec.too_many_errors());
  Encryptor enc(keys.send.data(), {128, true});
  Bytes good = make_packet(0x0021, 1, 10);
  enc.encrypt(good.data(), good.size());
  ASSERT_TRUE(dec.decrypt(good).ok());
  EXPECT_FALSE(dec.too_many_errors());  // halved

  Decryptor stateful(keys.send.data(), {128, false});
  Bytes flag_without_a = {0x10, 0xff, 0x00, 0x21};
  EXPECT_EQ(stateful.decrypt(flag_without_a).error, DecryptError::kMissingFlushed);
}

TEST_F(MppeTest, EncryptorIgnoresTooShortBuffersAndIsMovable) {
  auto keys = rfc_server_keys();
  Encryptor enc(keys.send.data(), {128, true});
  uint8_t two[2] = {0xaa, 0xbb};
  enc.encrypt(two, 2);
  EXPECT_EQ(two[0], 0xaa);
  EXPECT_EQ(enc.coherency_count(), 4095);
  Encryptor moved(std::move(enc));
  Decryptor dec(keys.send.data(), {128, true});
  Bytes p = make_packet(0x0021, 5, 30), o = p;
  moved.encrypt(p.data(), p.size());
  auto r = dec.decrypt(p);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(hex(r.plaintext), hex(ByteView(o).subspan(2)));
}

}  // namespace
}  // namespace pptpx::mppe

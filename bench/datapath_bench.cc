// SPDX-License-Identifier: MIT
// Per-packet costs of the data path: MPPE encrypt/decrypt (stateless rekeys
// every packet, stateful only every 256), the GRE header work around it,
// and TCP MSS clamping (on a data segment, the common case, and on a SYN).
#include <benchmark/benchmark.h>

#include <array>
#include <vector>

#include "crypto/crypto.h"
#include "proto/gre/gre.h"
#include "proto/mppe/mppe.h"
#include "proto/ppp/frame.h"
#include "proto/session/data_path.h"
#include "proto/session/tcp_mss.h"

namespace {

using namespace pptpx;

const uint8_t kKey[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

void encrypt(benchmark::State& state, bool stateless, int bits) {
  crypto::init();
  mppe::Encryptor enc(kKey, {bits, stateless});
  std::vector<uint8_t> buf(2 + 2 + state.range(0), 0x45);
  for (auto _ : state) {
    enc.encrypt(buf.data(), buf.size());
    benchmark::DoNotOptimize(buf.data());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * state.range(0));
}

void roundtrip(benchmark::State& state, bool stateless) {
  crypto::init();
  mppe::Encryptor enc(kKey, {128, stateless});
  mppe::Decryptor dec(kKey, {128, stateless});
  std::vector<uint8_t> buf(2 + 2 + state.range(0));
  for (auto _ : state) {
    std::fill(buf.begin(), buf.end(), 0x45);
    enc.encrypt(buf.data(), buf.size());
    auto r = dec.decrypt(MutableByteView(buf.data(), buf.size()));
    benchmark::DoNotOptimize(r.plaintext.data());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * state.range(0));
}

void BM_MppeEncryptStateless128(benchmark::State& s) { encrypt(s, true, 128); }
void BM_MppeEncryptStateful128(benchmark::State& s) { encrypt(s, false, 128); }
void BM_MppeEncryptStateless40(benchmark::State& s) { encrypt(s, true, 40); }
void BM_MppeRoundTripStateless(benchmark::State& s) { roundtrip(s, true); }
void BM_MppeRoundTripStateful(benchmark::State& s) { roundtrip(s, false); }
BENCHMARK(BM_MppeEncryptStateless128)->Arg(64)->Arg(1400);
BENCHMARK(BM_MppeEncryptStateful128)->Arg(64)->Arg(1400);
BENCHMARK(BM_MppeEncryptStateless40)->Arg(1400);
BENCHMARK(BM_MppeRoundTripStateless)->Arg(1400);
BENCHMARK(BM_MppeRoundTripStateful)->Arg(1400);

// The stateless receiver's cost of getting back in step after a loss burst
// (docs/resilience.md): one packet that arrives after `lost` packets went missing, with
// the search state fresh each time. Compare with BM_MppeRoundTripStateless
// (one packet in step) printed in the same run: the ratio is the burst's
// cost in packets' worth of work.
void BM_StatelessRecoveryAfterBurst(benchmark::State& state) {
  crypto::init();
  const auto lost = static_cast<uint32_t>(state.range(0));
  mppe::Settings s{128, true};
  s.ip_only = true;
  std::vector<uint8_t> pkt(2 + 2 + 40);
  for (auto _ : state) {
    state.PauseTiming();
    mppe::Encryptor enc(kKey, s);
    mppe::Decryptor dec(kKey, s);
    for (uint32_t i = 0; i <= lost; ++i) {
      std::fill(pkt.begin(), pkt.end(), 0);
      pkt[2] = 0x00;
      pkt[3] = 0x21;
      pkt[4] = 0x45;
      pkt[7] = 40;
      enc.encrypt(pkt.data(), pkt.size());
    }
    state.ResumeTiming();
    // The first packets after the burst walk the key chain, at most
    // kMaxStepsPerPacket each, until one decrypts.
    for (int tries = 0; tries < 64; ++tries) {
      std::vector<uint8_t> copy = pkt;
      if (dec.decrypt(MutableByteView(copy.data(), copy.size())).ok()) break;
    }
  }
  state.counters["key_changes"] = static_cast<double>(lost);
}
BENCHMARK(BM_StatelessRecoveryAfterBurst)
    ->Arg(1000)
    ->Arg(5000)
    ->Arg(20000)
    ->Unit(benchmark::kMillisecond);

// One key change (SHA-1, two RC4 key set-ups): the unit of the search.
void BM_MppeKeyChange(benchmark::State& state) {
  crypto::init();
  mppe::KeyState k(kKey, 128);
  for (auto _ : state) k.change();
}
BENCHMARK(BM_MppeKeyChange);

void BM_GreReceive(benchmark::State& state) {
  gre::Channel rx({});
  gre::Channel tx({});
  std::array<uint8_t, 1500> pkt{};
  Time now{};
  for (auto _ : state) {
    gre::Header h = tx.next_data_header(1400, now);
    size_t n = gre::write_header(pkt.data(), h);
    auto p = gre::parse(ByteView(pkt.data(), n + 1400));
    auto v = rx.on_receive(p.packet.header, p.packet.payload, now);
    auto f = ppp::parse_frame(p.packet.payload);
    benchmark::DoNotOptimize(v);
    benchmark::DoNotOptimize(f);
  }
}
BENCHMARK(BM_GreReceive);

// A 1400-octet IPv4 packet with a TCP header of 24 octets (an MSS option)
// and these flags, at buf + offset.
void tcp_packet(uint8_t* ip, uint8_t flags) {
  std::fill(ip, ip + 1400, 0);
  ip[0] = 0x45;
  put_u16(ip + 2, 1400);
  ip[9] = 6;
  ip[32] = 0x60;
  ip[33] = flags;
  ip[40] = 2;
  ip[41] = 4;
  put_u16(ip + 42, 1460);
}

void BM_TcpMssClampData(benchmark::State& state) {
  std::array<uint8_t, 1400> pkt{};
  tcp_packet(pkt.data(), 0x10);  // ACK
  for (auto _ : state) {
    auto r = session::clamp_tcp_mss(MutableByteView(pkt), 1456);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_TcpMssClampData);

void BM_TcpMssClampSyn(benchmark::State& state) {
  std::array<uint8_t, 1400> pkt{};
  tcp_packet(pkt.data(), 0x02);  // SYN
  for (auto _ : state) {
    put_u16(pkt.data() + 42, 1460);
    auto r = session::clamp_tcp_mss(MutableByteView(pkt), 1456);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_TcpMssClampSyn);

// DataPath::frame_ip of a 1400-octet TCP segment without MPPE (the framing
// alone, where the clamp's share is largest), clamping off (0) or on (1).
void BM_DataPathFrameIp(benchmark::State& state) {
  session::DataPath dp(gre::ChannelConfig{.peer_call_id = 1});
  if (state.range(0)) dp.set_max_mss(1456);
  std::array<uint8_t, 2048> buf{};
  Time now{};
  for (auto _ : state) {
    tcp_packet(buf.data() + session::kHeadroom, 0x10);
    ByteView pkt = dp.frame_ip(buf.data(), 1400, now);
    benchmark::DoNotOptimize(pkt.data());
  }
}
BENCHMARK(BM_DataPathFrameIp)->Arg(0)->Arg(1);

}  // namespace

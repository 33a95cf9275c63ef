// Per-packet costs of the data path: MPPE encrypt/decrypt (stateless rekeys
// every packet, stateful only every 256) and the GRE header work around it.
#include <benchmark/benchmark.h>

#include <array>
#include <vector>

#include "crypto/crypto.h"
#include "proto/gre/gre.h"
#include "proto/mppe/mppe.h"
#include "proto/ppp/frame.h"

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

}  // namespace

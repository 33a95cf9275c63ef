// SPDX-License-Identifier: MIT
// Proves the MPPE data path allocates nothing per packet: counts C++ and
// OpenSSL heap allocations across encrypt/decrypt loops (after construction).
// Its own main(), because OpenSSL's allocator hooks must be set before first use.
#include <openssl/crypto.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>

#include "crypto/crypto.h"
#include "proto/mppe/mppe.h"

namespace {
std::atomic<uint64_t> g_allocs{0};

void* count_malloc(size_t n, const char*, int) {
  ++g_allocs;
  return std::malloc(n);
}
void* count_realloc(void* p, size_t n, const char*, int) {
  ++g_allocs;
  return std::realloc(p, n);
}
void count_free(void* p, const char*, int) { std::free(p); }
}  // namespace

void* operator new(size_t n) {
  ++g_allocs;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

int main() {
  if (!CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free)) {
    std::fprintf(stderr, "cannot hook OpenSSL allocations\n");
    return 1;
  }
  if (!pptpx::crypto::init()) return 1;
  int failures = 0;
  const uint8_t key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  for (int bits : {40, 128}) {
    for (bool stateless : {true, false}) {
      pptpx::mppe::Settings s{bits, stateless};
      pptpx::mppe::Encryptor enc(key, s);
      pptpx::mppe::Decryptor dec(key, s);
      uint8_t buf[1500] = {};
      // Warm-up: one packet each, so lazy one-time set-up is not counted.
      enc.encrypt(buf, sizeof buf);
      dec.decrypt(buf);
      uint64_t before = g_allocs.load();
      for (int i = 0; i < 3000; ++i) {
        buf[2] = 0x00;
        buf[3] = 0x21;
        buf[4] = 0x45;                   // an IPv4 header, as the data path always sends,
        buf[6] = (sizeof buf - 4) >> 8;  // with its total length
        buf[7] = (sizeof buf - 4) & 0xff;
        if (i % 500 == 0) enc.request_flush();
        enc.encrypt(buf, sizeof buf);
        // Loss, of flushed packets too: stateless rolls keys forward,
        // stateful resyncs (guessing the unseen flushes).
        if (i % 7 == 3) continue;
        auto r = dec.decrypt(buf);
        if (dec.take_reset_request()) enc.request_flush();
        if (r.ok() && (r.plaintext[0] != 0x00 || r.plaintext[1] != 0x21)) {
          std::fprintf(stderr, "bits %d stateless %d: bad plaintext at %d\n", bits, stateless, i);
          ++failures;
          break;
        }
      }
      uint64_t n = g_allocs.load() - before;
      std::printf("bits %d stateless %d: %llu allocations in 3000 packets\n", bits, stateless,
                  static_cast<unsigned long long>(n));
      if (n != 0) ++failures;
      if (!stateless) {
        // The losses above hit flushed packets too: some resyncs had to guess.
        const auto& st = dec.stats();
        std::printf("  %llu resyncs, %llu with unseen flushes\n",
                    static_cast<unsigned long long>(st.resyncs),
                    static_cast<unsigned long long>(st.resync_extra));
        if (st.resyncs == 0 || st.resync_extra == 0) ++failures;
      }
    }
  }
  return failures == 0 ? 0 : 1;
}

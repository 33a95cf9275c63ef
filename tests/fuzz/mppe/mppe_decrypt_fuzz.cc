// SPDX-License-Identifier: MIT
// Fuzzes the MPPE Decryptor, stateless and stateful, with a sequence of
// packets: some encrypted by a matching Encryptor (then lost, corrupted or
// delivered), some raw from the input. A second Decryptor receives the same
// packets except those the first one refused through decrypt_untrusted(),
// and both must agree on every packet, which checks that a refused
// untrusted packet leaves the decryptor exactly as it was.
//
// Input: octet 0 picks the mode (bits 0-1 key length, bit 2 stateless,
// bit 3 jump limit 2048 instead of 1024, bit 4 ip_only). Then records
// [u8 kind][u8 len][len octets]; kind:
//   bit 0  the octets are a plaintext for the Encryptor (an IPv4 header is
//          made valid when bit 4 of the mode is set); else they go to the
//          decryptors as they are
//   bit 1  the encrypted packet is lost (the coherency count moves on)
//   bit 2  octet 0 of the record's data xors octet 2 of the ciphertext
//   bit 3  delivered through decrypt_untrusted()
//   bit 4  the receiver asks for a flush (a CCP Reset-Request reaches the
//          Encryptor)
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "base/bytes.h"
#include "crypto/crypto.h"
#include "proto/mppe/mppe.h"

using namespace pptpx;

namespace {

// A plaintext [protocol 0x21 | IPv4 packet] with a valid header checksum, from
// the fuzzer's octets.
void make_ip(std::vector<uint8_t>& p, ByteView in) {
  const size_t len = std::max<size_t>(20, in.size());
  p.assign(2 + 1 + len, 0);
  std::copy(in.begin(), in.end(), p.begin() + 3);
  uint8_t* ip = p.data() + 3;
  ip[0] = 0x45;
  put_u16(ip + 2, static_cast<uint16_t>(len));
  put_u16(ip + 10, 0);
  uint32_t sum = 0;
  for (int i = 0; i < 20; i += 2) sum += get_u16(ip + i);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  put_u16(ip + 10, static_cast<uint16_t>(~sum));
  p[2] = 0x21;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool ok = crypto::init();
  if (!ok || size < 1) return 0;
  static const int kBits[] = {40, 56, 128, 128};
  const uint8_t key[16] = {0x8b, 0x7c, 0xdc, 0x14, 0x9b, 0x99, 0x3a, 0x1b,
                           0xa1, 0x18, 0xcb, 0x15, 0x3f, 0x56, 0xdc, 0xcb};
  mppe::Settings s{kBits[data[0] & 3], (data[0] & 4) != 0,
                   static_cast<uint16_t>((data[0] & 8) ? 2048 : 1024)};
  s.ip_only = (data[0] & 16) != 0;
  mppe::Decryptor dec(key, s);   // sees every packet
  mppe::Decryptor twin(key, s);  // does not see what dec refused as untrusted
  mppe::Encryptor enc(key, s);
  std::vector<uint8_t> pkt, copy, scratch(2048);
  Reader r(ByteView(data + 1, size - 1));
  while (!r.empty()) {
    const uint8_t kind = r.u8();
    ByteView chunk = r.bytes(std::min<size_t>(r.u8(), r.remaining()));
    if (!r.ok()) break;
    if (kind & 16) enc.request_flush();
    if (kind & 1) {
      if (s.ip_only) {
        make_ip(pkt, chunk);
      } else {
        pkt.assign(3, 0);
        pkt[2] = 0x21;
        pkt.insert(pkt.end(), chunk.begin(), chunk.end());
      }
      enc.encrypt(pkt.data(), pkt.size());
      if (kind & 2) continue;
      if ((kind & 4) && !chunk.empty()) pkt[2] ^= chunk[0];
    } else {
      pkt.assign(chunk.begin(), chunk.end());
    }
    copy = pkt;
    mppe::DecryptResult a;
    if (kind & 8) {
      a = dec.decrypt_untrusted(pkt, scratch, mppe::Decryptor::kMaxStepsPerPacket);
      if (!a.ok()) {
        if (pkt != copy) __builtin_trap();  // refused: the packet is untouched
        continue;
      }
    } else {
      a = dec.decrypt(pkt);
    }
    mppe::DecryptResult b = twin.decrypt(copy);
    if (a.error != b.error || a.plaintext.size() != b.plaintext.size() ||
        !std::equal(a.plaintext.begin(), a.plaintext.end(), b.plaintext.begin()) ||
        dec.coherency_count() != twin.coherency_count() || dec.discarding() != twin.discarding() ||
        dec.keys_lost() != twin.keys_lost() || dec.too_many_errors() != twin.too_many_errors())
      __builtin_trap();
    if (a.ok() && (a.plaintext.data() < pkt.data() ||
                   a.plaintext.data() + a.plaintext.size() > pkt.data() + pkt.size()))
      __builtin_trap();
    const bool reset = dec.take_reset_request();
    if (reset != twin.take_reset_request()) __builtin_trap();
    if (reset) enc.request_flush();
    (void)dec.take_discard_report();
    (void)twin.take_discard_report();
  }
  return 0;
}

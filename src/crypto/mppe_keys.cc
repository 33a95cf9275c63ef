// SPDX-License-Identifier: MIT
// MPPE key derivation: RFC 3079 sections 2 and 3 (start keys), RFC 3078
// section 7.3 (GetNewKeyFromSHA) and the 40/56-bit reduction.
#include "crypto/mppe_keys.h"

#include <cstring>

#include "base/ct.h"

namespace pptpx::crypto {
namespace {

constexpr char kMasterMagic[] = "This is the MPPE Master Key";
constexpr char kMagic2[] =
    "On the client side, this is the send key; on the server side, it is the receive key.";
constexpr char kMagic3[] =
    "On the client side, this is the receive key; on the server side, it is the send key.";
constexpr uint8_t kPad1[40] = {};
constexpr uint8_t kPad2[40] = {0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2,
                               0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2,
                               0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2,
                               0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2};

ByteView text(const char* s) { return as_bytes(std::string_view(s)); }

Key16 first16(const Sha1Digest& d) {
  Key16 k;
  std::memcpy(k.data(), d.data(), k.size());
  return k;
}

}  // namespace

Key16 mschap2_master_key(const NtHash& password_hash_hash, const Response24& nt_response) {
  Sha1 sha;
  sha.update(password_hash_hash);
  sha.update(nt_response);
  sha.update(text(kMasterMagic));
  Sha1Digest d = sha.final();
  Key16 k = first16(d);
  secure_zero(d.data(), d.size());
  return k;
}

Key16 mschap2_asymmetric_start_key(const Key16& master_key, bool is_send, bool is_server) {
  // Magic3 names the server's send direction (= the client's receive direction).
  const char* magic = (is_send == is_server) ? kMagic3 : kMagic2;
  Sha1 sha;
  sha.update(master_key);
  sha.update(kPad1);
  sha.update(text(magic));
  sha.update(kPad2);
  Sha1Digest d = sha.final();
  Key16 k = first16(d);
  secure_zero(d.data(), d.size());
  return k;
}

MppeStartKeys mschap2_start_keys(const NtHash& password_hash, const Response24& nt_response,
                                 bool is_server) {
  NtHash hash_hash = hash_nt_password_hash(password_hash);
  Key16 master = mschap2_master_key(hash_hash, nt_response);
  MppeStartKeys keys;
  keys.send = mschap2_asymmetric_start_key(master, true, is_server);
  keys.recv = mschap2_asymmetric_start_key(master, false, is_server);
  // GetAsymmetricStartKey with length 8 is the prefix of the 16-octet form.
  std::memcpy(keys.send64.data(), keys.send.data(), 8);
  std::memcpy(keys.recv64.data(), keys.recv.data(), 8);
  keys.valid = true;
  secure_zero(hash_hash.data(), hash_hash.size());
  secure_zero(master.data(), master.size());
  return keys;
}

MppeStartKeys mschap1_start_keys(const NtHash& password_hash, const NtHash& lm_hash,
                                 const Challenge8& challenge) {
  NtHash hash_hash = hash_nt_password_hash(password_hash);
  Sha1 sha;
  sha.update(hash_hash);
  sha.update(hash_hash);
  sha.update(challenge);
  Sha1Digest d = sha.final();
  MppeStartKeys keys;
  keys.send = first16(d);
  keys.recv = keys.send;
  std::memcpy(keys.send64.data(), lm_hash.data(), 8);
  keys.recv64 = keys.send64;
  keys.valid = true;
  secure_zero(hash_hash.data(), hash_hash.size());
  secure_zero(d.data(), d.size());
  return keys;
}

void get_new_key_from_sha(Sha1& sha, const uint8_t* start_key, const uint8_t* session_key, size_t n,
                          uint8_t* out) {
  sha.update(ByteView(start_key, n));
  sha.update(kPad1);
  sha.update(ByteView(session_key, n));
  sha.update(kPad2);
  Sha1Digest d = sha.final();
  std::memcpy(out, d.data(), n);
  secure_zero(d.data(), d.size());
}

void get_new_key_from_sha(const uint8_t* start_key, const uint8_t* session_key, size_t n,
                          uint8_t* out) {
  Sha1 sha;
  get_new_key_from_sha(sha, start_key, session_key, n, out);
}

void reduce_key(uint8_t* key, int bits) {
  if (bits == 40) {
    key[0] = 0xd1;
    key[1] = 0x26;
    key[2] = 0x9e;
  } else if (bits == 56) {
    key[0] = 0xd1;
  }
}

}  // namespace pptpx::crypto

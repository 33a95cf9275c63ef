// SPDX-License-Identifier: MIT
// MPPE start keys (RFC 3079) and key changes (RFC 3078 section 7).
#pragma once

#include <array>
#include <cstdint>

#include "crypto/mschap.h"

namespace pptpx::crypto {

using Key16 = std::array<uint8_t, 16>;

// Start keys for both directions, 16 octets each; 40/56-bit use the first 8.
// With MS-CHAPv1 the 40/56-bit keys come from the LM hash, so both forms are kept.
struct MppeStartKeys {
  Key16 send{};    // our transmit direction, 128-bit form
  Key16 recv{};    // our receive direction, 128-bit form
  Key16 send64{};  // first 8 octets used for 40/56-bit
  Key16 recv64{};
  bool valid = false;
};

// RFC 3079 3.3: MasterKey from the password hash-hash and the NT-Response.
Key16 mschap2_master_key(const NtHash& password_hash_hash, const Response24& nt_response);
// RFC 3079 3.4: GetAsymmetricStartKey; is_send / is_server select Magic2 or Magic3.
Key16 mschap2_asymmetric_start_key(const Key16& master_key, bool is_send, bool is_server);
// Both directions for one side of an MS-CHAPv2 exchange.
MppeStartKeys mschap2_start_keys(const NtHash& password_hash, const Response24& nt_response,
                                 bool is_server);
// RFC 3079 section 2: MS-CHAPv1 keys (same key both directions).
MppeStartKeys mschap1_start_keys(const NtHash& password_hash, const NtHash& lm_hash,
                                 const Challenge8& challenge);

// GetNewKeyFromSHA(start, session, n) -> first n octets (n = 8 or 16) written to out.
void get_new_key_from_sha(const uint8_t* start_key, const uint8_t* session_key, size_t n,
                          uint8_t* out);
// The same with a caller-owned SHA-1 context, for the data path (no allocation).
// n must be 8 or 16.
void get_new_key_from_sha(Sha1& sha, const uint8_t* start_key, const uint8_t* session_key, size_t n,
                          uint8_t* out);
// Reduce an 8-octet key to 40 bits (d1 26 9e ...) or 56 bits (d1 ...); 128 unchanged.
void reduce_key(uint8_t* key, int bits);

}  // namespace pptpx::crypto

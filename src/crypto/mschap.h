// SPDX-License-Identifier: MIT
// MS-CHAP v1 (RFC 2433) and v2 (RFC 2759) computations, both roles.
// Passwords are UTF-8 and converted to UTF-16LE (not byte-widened as pppd does).
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "crypto/crypto.h"

namespace pptpx::crypto {

using NtHash = std::array<uint8_t, 16>;
using Challenge16 = std::array<uint8_t, 16>;
using Challenge8 = std::array<uint8_t, 8>;
using Response24 = std::array<uint8_t, 24>;
using AuthenticatorResponse = std::array<uint8_t, 20>;

// UTF-8 -> UTF-16LE; invalid UTF-8 bytes are widened one by one (as pppd does).
Bytes utf16le(std::string_view utf8);

NtHash nt_password_hash(std::string_view password);  // MD4(UTF-16LE(pw))
NtHash hash_nt_password_hash(const NtHash& hash);    // MD4(hash)
// The user name without any "DOMAIN\" prefix (everything after the last backslash).
std::string_view strip_domain(std::string_view user);

// RFC 2759 8.2: first 8 octets of SHA1(peer ‖ auth ‖ user-without-domain).
Challenge8 challenge_hash(const Challenge16& peer_challenge,
                          const Challenge16& authenticator_challenge, std::string_view user);
// RFC 2759 8.5 / RFC 2433 A.5: three DES blocks keyed by the zero-padded hash.
Response24 challenge_response(const Challenge8& challenge, const NtHash& password_hash);
// RFC 2759 8.1.
Response24 generate_nt_response(const Challenge16& authenticator_challenge,
                                const Challenge16& peer_challenge, std::string_view user,
                                const NtHash& password_hash);
// RFC 2759 8.7: the 20-octet digest (callers format "S=" + upper-case hex).
AuthenticatorResponse generate_authenticator_response(const NtHash& password_hash,
                                                      const Response24& nt_response,
                                                      const Challenge16& peer_challenge,
                                                      const Challenge16& authenticator_challenge,
                                                      std::string_view user);
// "S=" + 40 upper-case hex digits.
std::string authenticator_response_string(const AuthenticatorResponse& r);

// MS-CHAPv1 (RFC 2433): NT response and the legacy LM password hash (for 40/56-bit MPPE).
Response24 mschap1_nt_response(const Challenge8& challenge, const NtHash& password_hash);
NtHash lm_password_hash(std::string_view password);

}  // namespace pptpx::crypto

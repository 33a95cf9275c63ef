// SPDX-License-Identifier: MIT
// MS-CHAP v1 (RFC 2433 appendix A) and v2 (RFC 2759 section 8) algorithms.
// Intermediate secrets (UTF-16 passwords, padded hashes) are wiped before return.
#include "crypto/mschap.h"

#include <cstring>
#include <optional>

#include "base/ct.h"
#include "base/hex.h"

namespace pptpx::crypto {
namespace {

constexpr char kAuthMagic1[] = "Magic server to client signing constant";
constexpr char kAuthMagic2[] = "Pad to make it do more than one iteration";
constexpr char kLmMagic[] = "KGS!@#$%";

ByteView text(const char* s) { return as_bytes(std::string_view(s)); }

void put_utf16(Bytes& out, uint32_t unit) {
  out.push_back(static_cast<uint8_t>(unit));
  out.push_back(static_cast<uint8_t>(unit >> 8));
}

// The code point of the UTF-8 sequence at the start of s[0, n) and its
// length in octets; nullopt when it is not UTF-8: a bad lead or
// continuation octet, a sequence cut short, an overlong form, a UTF-16
// surrogate or a value past U+10FFFF.
struct CodePoint {
  uint32_t value;
  size_t len;
};
std::optional<CodePoint> decode_utf8(const uint8_t* s, size_t n) {
  uint8_t c = s[0];
  size_t len = 0;
  uint32_t cp = 0;
  uint32_t min = 0;
  if (c < 0x80) {
    len = 1;
    cp = c;
  } else if ((c & 0xe0) == 0xc0) {
    len = 2;
    cp = c & 0x1f;
    min = 0x80;
  } else if ((c & 0xf0) == 0xe0) {
    len = 3;
    cp = c & 0x0f;
    min = 0x800;
  } else if ((c & 0xf8) == 0xf0) {
    len = 4;
    cp = c & 0x07;
    min = 0x10000;
  }
  bool valid = len != 0 && len <= n;
  for (size_t k = 1; valid && k < len; ++k) {
    if ((s[k] & 0xc0) != 0x80) valid = false;
    cp = (cp << 6) | (s[k] & 0x3f);
  }
  // Overlong forms, UTF-16 surrogates and values past U+10FFFF are not UTF-8.
  if (valid && (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))) valid = false;
  if (!valid) return std::nullopt;
  return CodePoint{cp, len};
}

// One code point as UTF-16LE: a surrogate pair past U+FFFF.
void put_code_point(Bytes& out, uint32_t cp) {
  if (cp >= 0x10000) {
    cp -= 0x10000;
    put_utf16(out, 0xd800 | (cp >> 10));
    put_utf16(out, 0xdc00 | (cp & 0x3ff));
  } else {
    put_utf16(out, cp);
  }
}

}  // namespace

Bytes utf16le(std::string_view utf8) {
  Bytes out;
  out.reserve(utf8.size() * 2);
  const auto* s = reinterpret_cast<const uint8_t*>(utf8.data());
  const size_t n = utf8.size();
  size_t i = 0;
  while (i < n) {
    std::optional<CodePoint> cp = decode_utf8(s + i, n - i);
    if (!cp) {
      // Latin-1 fallback, one octet at a time: what pppd does for every octet.
      put_utf16(out, s[i]);
      ++i;
      continue;
    }
    put_code_point(out, cp->value);
    i += cp->len;
  }
  return out;
}

NtHash nt_password_hash(std::string_view password) {
  Bytes wide = utf16le(password);
  NtHash h = md4(wide);
  secure_zero(wide.data(), wide.size());
  return h;
}

NtHash hash_nt_password_hash(const NtHash& hash) { return md4(hash); }

std::string_view strip_domain(std::string_view user) {
  size_t pos = user.rfind('\\');
  return pos == std::string_view::npos ? user : user.substr(pos + 1);
}

Challenge8 challenge_hash(const Challenge16& peer_challenge,
                          const Challenge16& authenticator_challenge, std::string_view user) {
  Sha1 sha;
  sha.update(peer_challenge);
  sha.update(authenticator_challenge);
  sha.update(as_bytes(strip_domain(user)));
  Sha1Digest d = sha.final();
  Challenge8 out;
  std::memcpy(out.data(), d.data(), out.size());
  return out;
}

Response24 challenge_response(const Challenge8& challenge, const NtHash& password_hash) {
  uint8_t key21[21] = {};
  std::memcpy(key21, password_hash.data(), password_hash.size());
  Response24 out;
  for (size_t i = 0; i < 3; ++i) {
    auto block = des_encrypt(key21 + 7 * i, challenge.data());
    std::memcpy(out.data() + 8 * i, block.data(), 8);
  }
  secure_zero(key21, sizeof key21);
  return out;
}

Response24 generate_nt_response(const Challenge16& authenticator_challenge,
                                const Challenge16& peer_challenge, std::string_view user,
                                const NtHash& password_hash) {
  return challenge_response(challenge_hash(peer_challenge, authenticator_challenge, user),
                            password_hash);
}

AuthenticatorResponse generate_authenticator_response(const NtHash& password_hash,
                                                      const Response24& nt_response,
                                                      const Challenge16& peer_challenge,
                                                      const Challenge16& authenticator_challenge,
                                                      std::string_view user) {
  NtHash hash_hash = hash_nt_password_hash(password_hash);
  Sha1 sha;
  sha.update(hash_hash);
  sha.update(nt_response);
  sha.update(text(kAuthMagic1));
  Sha1Digest digest = sha.final();
  Challenge8 challenge = challenge_hash(peer_challenge, authenticator_challenge, user);
  sha.update(digest);
  sha.update(challenge);
  sha.update(text(kAuthMagic2));
  AuthenticatorResponse out = sha.final();
  secure_zero(hash_hash.data(), hash_hash.size());
  return out;
}

std::string authenticator_response_string(const AuthenticatorResponse& r) {
  return "S=" + to_hex(r, true);
}

Response24 mschap1_nt_response(const Challenge8& challenge, const NtHash& password_hash) {
  return challenge_response(challenge, password_hash);
}

NtHash lm_password_hash(std::string_view password) {
  // RFC 2433 A.2: upper-cased "OEM" password, 14 octets. Only ASCII letters
  // are upper-cased; the OEM code page of the peer is unknowable here.
  uint8_t pw[14] = {};
  for (size_t i = 0; i < password.size() && i < sizeof pw; ++i) {
    auto c = static_cast<uint8_t>(password[i]);
    pw[i] = (c >= 'a' && c <= 'z') ? static_cast<uint8_t>(c - 'a' + 'A') : c;
  }
  const auto* magic = reinterpret_cast<const uint8_t*>(kLmMagic);
  NtHash out;
  auto a = des_encrypt(pw, magic);
  auto b = des_encrypt(pw + 7, magic);
  std::memcpy(out.data(), a.data(), 8);
  std::memcpy(out.data() + 8, b.data(), 8);
  secure_zero(pw, sizeof pw);
  return out;
}

}  // namespace pptpx::crypto

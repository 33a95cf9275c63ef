// SPDX-License-Identifier: MIT
// CHAP authenticator (server role) for MD5 (RFC 1994 section 4),
// MS-CHAPv1 (RFC 2433 sections 5-7) and MS-CHAPv2 (RFC 2759 sections 4-6).
//
// start() draws the Identifier (one octet) and then the challenge from the
// Rng, in that order, and sends the Challenge; it is retransmitted unchanged
// every `restart` until a Response arrives, at most `max_challenges` times.
// A Response with the current Identifier is held while the application
// looks up the secret. The verdict packet is kept: a repeated Response with
// the same Identifier (our Success/Failure was lost) gets it again. With
// MS-CHAP and max_retries > 0, a Failure carries R=1 and a new challenge,
// and the peer may answer it with Identifier + 1.
#include <algorithm>
#include <array>

#include "base/ct.h"
#include "base/hex.h"
#include "base/text.h"
#include "crypto/crypto.h"
#include "crypto/mppe_keys.h"
#include "crypto/mschap.h"
#include "proto/ppp/auth/auth_internal.h"

namespace pptpx::ppp::auth_detail {
namespace {

constexpr std::string_view kSuccessMessage = "Access granted";
constexpr std::string_view kFailureMessage = "Access denied";
constexpr std::string_view kMsV2FailureText = "Authentication failed";
constexpr size_t kMsResponseSize = 49;

class ChapAuthenticator final : public AuthBase {
 public:
  ChapAuthenticator(AuthProtocol p, const AuthenticatorConfig& cfg, Rng& rng, Logger log)
      : AuthBase(std::move(log)), proto_(p), cfg_(cfg), rng_(rng) {}
  ~ChapAuthenticator() override { secure_zero(response_.data(), response_.size()); }

  AuthProtocol protocol() const override { return proto_; }

  void start(Time now) override {
    if (state_ != State::kIdle) return;
    rng_.fill(std::span<uint8_t>(&id_, 1));
    new_challenge();
    give_up_at_ = now + cfg_.timeout;
    state_ = State::kChallengeSent;
    send_challenge(now);
  }

  void on_packet(ByteView raw, Time now) override {
    auto p = parse_packet(raw);
    if (!p) return drop(Drop::kMalformed, "CHAP packet: bad header");
    if (p->code != kCodeAck) return drop(Drop::kUnexpected, "CHAP packet: not a Response");
    Reader r(p->data);
    ByteView value = r.bytes(r.u8());
    ByteView name = r.rest();
    if (!r.ok()) return drop(Drop::kMalformed, "CHAP Response: truncated");
    if (value.size() != response_size())
      return drop(Drop::kMalformed, "CHAP Response: wrong Value-Size");
    bool awaiting = state_ == State::kChallengeSent || state_ == State::kAwaitRetry;
    if (awaiting && p->id == id_) return accept_response(value, name, now);
    if (!verdict_.empty() && p->id == verdict_id_) {
      out_.push_back(verdict_);
      ++stats_.repeats;
      return;
    }
    if (state_ == State::kAwaitSecret && p->id == id_) {
      ++stats_.repeats;  // answered once the secret arrives
      return;
    }
    if (state_ == State::kIdle) return drop(Drop::kUnexpected, "CHAP Response before start");
    drop(Drop::kWrongId, "CHAP Response: wrong identifier");
  }

  void on_timer(Time now) override {
    if (state_ == State::kIdle || state_ == State::kDone) return;
    if (now >= give_up_at_) return give_up("timeout");
    if (state_ == State::kChallengeSent && now >= retransmit_at_) {
      if (challenges_sent_ >= cfg_.max_challenges) return give_up("no response to challenge");
      ++stats_.retransmits;
      send_challenge(now);
    }
  }

  Time next_deadline() const override {
    switch (state_) {
      case State::kChallengeSent: return earliest(retransmit_at_, give_up_at_);
      case State::kAwaitSecret:
      case State::kAwaitRetry: return give_up_at_;
      default: return kNever;
    }
  }

  std::optional<SecretRequest> pending_secret_request() const override {
    if (state_ != State::kAwaitSecret) return std::nullopt;
    return SecretRequest{peer_name_, cfg_.our_name};
  }

  void provide_secret(const std::optional<std::string>& secret, Time) override {
    if (state_ != State::kAwaitSecret) return;
    bool ok = secret && verify(*secret);
    secure_zero(response_.data(), response_.size());
    if (ok) {
      state_ = State::kDone;
      send_verdict(kCodeNak, success_message_, id_);
      log_.info("peer {} authenticated", escaped(peer_name_));
      succeed();
      return;
    }
    std::string reason = secret ? "bad password" : "no secret for " + escaped(peer_name_);
    log_.info("peer {} failed: {}", escaped(peer_name_), reason);
    bool retry = proto_ != AuthProtocol::kChapMd5 && retries_used_ < cfg_.max_retries;
    uint8_t failed_id = id_;
    if (proto_ != AuthProtocol::kChapMd5) new_challenge();
    send_verdict(kCodeFailure, failure_message(retry), failed_id);
    if (retry) {
      // Kept so that a peer giving up here is still reported as a failure.
      failure_reason_ = reason;
      ++retries_used_;
      ++id_;
      state_ = State::kAwaitRetry;
      return;
    }
    state_ = State::kDone;
    fail(std::move(reason));
  }

 private:
  enum class State { kIdle, kChallengeSent, kAwaitSecret, kAwaitRetry, kDone };

  size_t challenge_size() const { return proto_ == AuthProtocol::kMsChapV1 ? 8 : 16; }
  size_t response_size() const {
    return proto_ == AuthProtocol::kChapMd5 ? crypto::Md5Digest{}.size() : kMsResponseSize;
  }

  void new_challenge() { rng_.fill(std::span<uint8_t>(challenge_.data(), challenge_size())); }

  void send_challenge(Time now) {
    Bytes data;
    Writer w(data);
    w.u8(static_cast<uint8_t>(challenge_size()));
    w.bytes(ByteView(challenge_.data(), challenge_size()));
    w.text(cfg_.our_name);
    out_.push_back(build_packet(kCodeRequest, id_, data));
    ++challenges_sent_;
    retransmit_at_ = now + cfg_.restart;
  }

  void accept_response(ByteView value, ByteView name, Time) {
    std::copy(value.begin(), value.end(), response_.begin());
    peer_name_.assign(as_chars(name));
    state_ = State::kAwaitSecret;
  }

  void send_verdict(uint8_t code, std::string_view message, uint8_t id) {
    verdict_ = build_packet(code, id, as_bytes(message));
    verdict_id_ = id;
    out_.push_back(verdict_);
  }

  void give_up(const char* reason) {
    log_.info("{}", reason);
    state_ = State::kDone;
    fail(reason);
  }

  std::string failure_message(bool retry) const {
    std::string hex = to_hex(ByteView(challenge_.data(), challenge_size()), true);
    switch (proto_) {
      case AuthProtocol::kMsChapV1: return fmt::format("E=691 R={} C={} V=0", retry ? 1 : 0, hex);
      case AuthProtocol::kMsChapV2:
        return fmt::format("E=691 R={} C={} V=3 M={}", retry ? 1 : 0, hex, kMsV2FailureText);
      default: return std::string(kFailureMessage);
    }
  }

  // Checks response_ against `secret`; on success sets success_message_ and keys_.
  bool verify(const std::string& secret) {
    switch (proto_) {
      case AuthProtocol::kChapMd5: {
        crypto::Md5 md5;
        md5.update(ByteView(&id_, 1));
        md5.update(as_bytes(secret));
        md5.update(ByteView(challenge_.data(), challenge_size()));
        crypto::Md5Digest expect = md5.final();
        bool ok = ct_equal(expect, ByteView(response_.data(), expect.size()));
        secure_zero(expect.data(), expect.size());
        success_message_ = kSuccessMessage;
        return ok;
      }
      case AuthProtocol::kMsChapV1: {
        // Only the NT response is checked; an LM-only response (flag 0) cannot
        // be verified without the weak LM hash, so it fails.
        if (response_[48] != 1) return false;
        crypto::Challenge8 chal;
        std::copy_n(challenge_.begin(), chal.size(), chal.begin());
        crypto::NtHash hash = crypto::nt_password_hash(secret);
        crypto::Response24 expect = crypto::mschap1_nt_response(chal, hash);
        bool ok = ct_equal(expect, ByteView(response_.data() + 24, 24));
        if (ok) {
          crypto::NtHash lm = crypto::lm_password_hash(secret);
          keys_ = crypto::mschap1_start_keys(hash, lm, chal);
          secure_zero(lm.data(), lm.size());
          success_message_ = kSuccessMessage;
        }
        secure_zero(hash.data(), hash.size());
        return ok;
      }
      case AuthProtocol::kMsChapV2: {
        crypto::Challenge16 peer_chal;
        crypto::Response24 nt;
        std::copy_n(response_.begin(), peer_chal.size(), peer_chal.begin());
        std::copy_n(response_.begin() + 24, nt.size(), nt.begin());
        uint8_t flags = response_[48];
        // RFC 2759 8.2: the challenge hash uses the name without "DOMAIN\".
        std::string_view user = crypto::strip_domain(peer_name_);
        crypto::NtHash hash = crypto::nt_password_hash(secret);
        crypto::Response24 expect =
            crypto::generate_nt_response(challenge16(), peer_chal, user, hash);
        bool ok = ct_equal(expect, nt);
        if (ok) {
          crypto::AuthenticatorResponse ar =
              crypto::generate_authenticator_response(hash, nt, peer_chal, challenge16(), user);
          success_message_ = crypto::authenticator_response_string(ar);
          // Windows 98 sets flags = 4 and cannot parse " M=" (pppd does the same).
          if (flags == 0) success_message_ += fmt::format(" M={}", kSuccessMessage);
          keys_ = crypto::mschap2_start_keys(hash, nt, true);
        }
        secure_zero(hash.data(), hash.size());
        return ok;
      }
      default: return false;
    }
  }

  crypto::Challenge16 challenge16() const {
    crypto::Challenge16 c;
    std::copy_n(challenge_.begin(), c.size(), c.begin());
    return c;
  }

  AuthProtocol proto_;
  AuthenticatorConfig cfg_;
  Rng& rng_;
  State state_ = State::kIdle;
  uint8_t id_ = 0;
  std::array<uint8_t, 16> challenge_{};
  std::array<uint8_t, kMsResponseSize> response_{};
  int challenges_sent_ = 0;
  int retries_used_ = 0;
  Time retransmit_at_ = kNever;
  Time give_up_at_ = kNever;
  std::string success_message_;
  Bytes verdict_;
  uint8_t verdict_id_ = 0;
};

}  // namespace

std::unique_ptr<AuthMethod> make_chap_authenticator(AuthProtocol p, const AuthenticatorConfig& cfg,
                                                    Rng& rng, Logger log) {
  return std::make_unique<ChapAuthenticator>(p, cfg, rng, std::move(log));
}

}  // namespace pptpx::ppp::auth_detail

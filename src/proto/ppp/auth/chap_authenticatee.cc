// SPDX-License-Identifier: MIT
// CHAP authenticatee (client role) for MD5 (RFC 1994 section 4),
// MS-CHAPv1 (RFC 2433 sections 5-7) and MS-CHAPv2 (RFC 2759 sections 4-6).
//
// The peer retransmits its Challenge, so we never retransmit a Response on a
// timer: a repeated Challenge (same Identifier and value) gets the stored
// Response again. The secret is asked for once and kept for re-challenges;
// after an MS-CHAP Failure with R=1 it is asked for again (the application
// may prompt for a new password) and we retry once against the new challenge
// with Identifier + 1. MS-CHAPv2 Success is accepted only with the correct
// authenticator response (mutual authentication, RFC 2759 section 5).
#include <algorithm>
#include <array>
#include <cstring>

#include "base/ct.h"
#include "base/hex.h"
#include "base/text.h"
#include "crypto/crypto.h"
#include "crypto/mppe_keys.h"
#include "crypto/mschap.h"
#include "proto/ppp/auth/auth_internal.h"

namespace pptpx::ppp::auth_detail {
namespace {

constexpr int kMaxMsRetries = 1;
// RFC 2433 section 7: without C=, the retry challenge is the old one + 23.
constexpr uint8_t kMsV1RetryDelta = 23;

class ChapAuthenticatee final : public AuthBase {
 public:
  ChapAuthenticatee(AuthProtocol p, const AuthenticateeConfig& cfg, Rng& rng, Logger log)
      : AuthBase(std::move(log)), proto_(p), cfg_(cfg), rng_(rng) {
    peer_name_ = cfg_.user;
  }
  ~ChapAuthenticatee() override {
    if (secret_) secure_zero(*secret_);
    secure_zero(expected_ar_.data(), expected_ar_.size());
  }

  AuthProtocol protocol() const override { return proto_; }

  void start(Time now) override {
    if (started_) return;
    started_ = true;
    give_up_at_ = now + wait_limit();
  }

  void on_packet(ByteView raw, Time now) override {
    auto p = parse_packet(raw);
    if (!p) return drop(Drop::kMalformed, "CHAP packet: bad header");
    if (!started_) return drop(Drop::kUnexpected, "CHAP packet before start");
    switch (p->code) {
      case kCodeRequest: return on_challenge(*p, now);
      case kCodeNak: return on_success(*p);
      case kCodeFailure: return on_failure(*p);
      default: return drop(Drop::kUnexpected, "CHAP packet: unexpected code");
    }
  }

  void on_timer(Time now) override {
    if (!started_) return;
    if (status_ == AuthStatus::kInProgress && now >= give_up_at_) {
      state_ = State::kDone;
      log_.info("no answer from the authenticator");
      fail("timeout");
      return;
    }
    if (resending() && now >= retransmit_at_) {
      if (sent_ >= cfg_.max_requests) {
        retransmit_at_ = kNever;
        return;
      }
      ++stats_.retransmits;
      send_response(now);
    }
  }

  Time next_deadline() const override {
    Time t = status_ == AuthStatus::kInProgress && started_ ? give_up_at_ : kNever;
    return resending() ? earliest(t, retransmit_at_) : t;
  }

  std::optional<SecretRequest> pending_secret_request() const override {
    if (state_ != State::kAwaitSecret) return std::nullopt;
    return SecretRequest{cfg_.user, cfg_.remote_name.empty() ? challenger_ : cfg_.remote_name};
  }

  void provide_secret(const std::optional<std::string>& secret, Time now) override {
    if (state_ != State::kAwaitSecret) return;
    if (!secret) {
      state_ = State::kDone;
      if (!rejection_.empty()) {  // a retry the caller declined: the refusal stands
        log_.debug("not retrying after {}", rejection_);
        fail(rejection_);
        return;
      }
      log_.info("no secret for {}", escaped(cfg_.user));
      fail("no secret for " + cfg_.user);
      return;
    }
    secret_ = *secret;
    respond(now);
  }

 private:
  enum class State { kWaitChallenge, kAwaitSecret, kResponded, kDone };

  Duration wait_limit() const { return cfg_.restart * std::max(cfg_.max_requests, 1); }
  size_t challenge_size() const { return proto_ == AuthProtocol::kMsChapV1 ? 8 : 16; }

  void on_challenge(const Packet& p, Time now) {
    Reader r(p.data);
    ByteView value = r.bytes(r.u8());
    ByteView name = r.rest();
    if (!r.ok()) return drop(Drop::kMalformed, "CHAP Challenge: truncated");
    bool size_ok =
        proto_ == AuthProtocol::kChapMd5 ? !value.empty() : value.size() == challenge_size();
    if (!size_ok) return drop(Drop::kMalformed, "CHAP Challenge: wrong Value-Size");
    if (state_ == State::kDone) return drop(Drop::kUnexpected, "CHAP Challenge after failure");
    bool same = p.id == id_ && value.size() == challenge_len_ &&
                std::equal(value.begin(), value.end(), challenge_.begin());
    if (state_ == State::kResponded && same) {
      // Our Response was lost and the authenticator retransmitted.
      out_.push_back(response_);
      ++stats_.repeats;
      return;
    }
    id_ = p.id;
    challenge_len_ = value.size();
    std::copy(value.begin(), value.end(), challenge_.begin());
    challenger_.assign(as_chars(name));
    retries_used_ = 0;
    give_up_at_ = now + wait_limit();
    if (secret_) return respond(now);
    state_ = State::kAwaitSecret;
  }

  void on_success(const Packet& p) {
    if (state_ != State::kResponded)
      return drop(Drop::kUnexpected, "CHAP Success: no Response sent");
    if (p.id != id_) return drop(Drop::kWrongId, "CHAP Success: wrong identifier");
    if (status_ == AuthStatus::kSucceeded && !awaiting_verdict_) {
      ++stats_.repeats;
      return;
    }
    awaiting_verdict_ = false;
    if (proto_ == AuthProtocol::kMsChapV2 && !check_authenticator_response(as_chars(p.data))) {
      state_ = State::kDone;
      log_.warn("server authenticator response mismatch");
      fail("server authenticator response mismatch");
      return;
    }
    // MPPE keys come from the first successful exchange, not from re-challenges.
    if (proto_ != AuthProtocol::kChapMd5 && status_ == AuthStatus::kInProgress)
      keys_ = pending_keys_;
    log_.debug("authentication succeeded");
    succeed();
  }

  void on_failure(const Packet& p) {
    if (state_ != State::kResponded)
      return drop(Drop::kUnexpected, "CHAP Failure: no Response sent");
    if (p.id != id_) return drop(Drop::kWrongId, "CHAP Failure: wrong identifier");
    std::string_view text = as_chars(p.data);
    if (proto_ == AuthProtocol::kChapMd5) {
      state_ = State::kDone;
      log_.debug("authentication failed: {}", printable(text));
      fail(fmt::format("rejected: {}", printable(text)));
      return;
    }
    MsFailure f = parse_ms_failure(text);
    bool challenge_ok = f.challenge && f.challenge->size() == challenge_size();
    if (proto_ == AuthProtocol::kMsChapV1 && !f.challenge) challenge_ok = true;
    if (f.retry && challenge_ok && retries_used_ < kMaxMsRetries) {
      ++retries_used_;
      if (f.challenge) {
        std::copy(f.challenge->begin(), f.challenge->end(), challenge_.begin());
      } else {
        challenge_[0] = static_cast<uint8_t>(challenge_[0] + kMsV1RetryDelta);
      }
      ++id_;
      if (secret_) secure_zero(*secret_);
      secret_.reset();
      state_ = State::kAwaitSecret;
      rejection_ = rejection(f);
      log_.info("authentication failed ({}), the server allows a retry", rejection_);
      return;
    }
    state_ = State::kDone;
    std::string reason = rejection(f);
    log_.debug("authentication failed: {}", reason);
    fail(std::move(reason));
  }

  // "rejected: E=691 (authentication failure) M=text": the server's verdict.
  static std::string rejection(const MsFailure& f) {
    std::string reason = "rejected: E=" + (f.error ? std::to_string(*f.error) : "?");
    if (f.error) {
      std::string_view words = ms_chap_error_text(*f.error);
      if (!words.empty()) reason += fmt::format(" ({})", words);
    }
    if (!f.message.empty()) reason += " M=" + printable(f.message);
    return reason;
  }

  void respond(Time now) {
    const std::string& secret = *secret_;
    Bytes value;
    switch (proto_) {
      case AuthProtocol::kChapMd5: {
        crypto::Md5 md5;
        md5.update(ByteView(&id_, 1));
        md5.update(as_bytes(secret));
        md5.update(ByteView(challenge_.data(), challenge_len_));
        crypto::Md5Digest d = md5.final();
        value.assign(d.begin(), d.end());
        break;
      }
      case AuthProtocol::kMsChapV1: {
        crypto::Challenge8 chal;
        std::copy_n(challenge_.begin(), chal.size(), chal.begin());
        crypto::NtHash hash = crypto::nt_password_hash(secret);
        crypto::Response24 nt = crypto::mschap1_nt_response(chal, hash);
        crypto::NtHash lm = crypto::lm_password_hash(secret);
        pending_keys_ = crypto::mschap1_start_keys(hash, lm, chal);
        secure_zero(lm.data(), lm.size());
        secure_zero(hash.data(), hash.size());
        value.assign(24, 0);  // LM response: deprecated, zeros
        value.insert(value.end(), nt.begin(), nt.end());
        value.push_back(1);  // use the NT response
        break;
      }
      case AuthProtocol::kMsChapV2: {
        crypto::Challenge16 auth_chal, peer_chal;
        std::copy_n(challenge_.begin(), auth_chal.size(), auth_chal.begin());
        rng_.fill(peer_chal);
        std::string_view user = crypto::strip_domain(cfg_.user);
        crypto::NtHash hash = crypto::nt_password_hash(secret);
        crypto::Response24 nt = crypto::generate_nt_response(auth_chal, peer_chal, user, hash);
        expected_ar_ =
            crypto::generate_authenticator_response(hash, nt, peer_chal, auth_chal, user);
        pending_keys_ = crypto::mschap2_start_keys(hash, nt, false);
        secure_zero(hash.data(), hash.size());
        value.assign(peer_chal.begin(), peer_chal.end());
        value.insert(value.end(), 8, 0);  // reserved
        value.insert(value.end(), nt.begin(), nt.end());
        value.push_back(0);  // flags
        break;
      }
      default: return;
    }
    Bytes data;
    Writer w(data);
    w.u8(static_cast<uint8_t>(value.size()));
    w.bytes(value);
    w.text(cfg_.user);
    response_ = build_packet(kCodeAck, id_, data);
    state_ = State::kResponded;
    awaiting_verdict_ = true;
    sent_ = 0;
    send_response(now);
  }

  // Also retransmitted on a timer: a lost Success or Failure would otherwise
  // leave us waiting, and authenticators answer a repeated Response with the
  // same verdict (RFC 1994 section 4.2).
  void send_response(Time now) {
    out_.push_back(response_);
    ++sent_;
    retransmit_at_ = now + cfg_.restart;
  }

  bool resending() const { return state_ == State::kResponded && awaiting_verdict_; }

  // Accepts "S=<40 hex>", "S=<40 hex> M=..." and "S=<40 hex>M=..." (either hex case).
  bool check_authenticator_response(std::string_view msg) const {
    constexpr size_t kHexLen = 2 * std::tuple_size_v<crypto::AuthenticatorResponse>;
    if (msg.size() < 2 + kHexLen || msg.substr(0, 2) != "S=") return false;
    std::string_view rest = msg.substr(2 + kHexLen);
    if (!rest.empty() && rest.substr(0, 3) != " M=" && rest.substr(0, 2) != "M=") return false;
    auto got = from_hex(msg.substr(2, kHexLen));
    return got && ct_equal(*got, expected_ar_);
  }

  AuthProtocol proto_;
  AuthenticateeConfig cfg_;
  Rng& rng_;
  bool started_ = false;
  State state_ = State::kWaitChallenge;
  bool awaiting_verdict_ = false;
  uint8_t id_ = 0;
  std::array<uint8_t, 255> challenge_{};
  size_t challenge_len_ = 0;
  std::string challenger_;
  std::optional<std::string> secret_;
  Bytes response_;
  crypto::AuthenticatorResponse expected_ar_{};
  crypto::MppeStartKeys pending_keys_;
  int retries_used_ = 0;
  std::string rejection_;  // the last Failure that allowed a retry
  int sent_ = 0;
  Time retransmit_at_ = kNever;
  Time give_up_at_ = kNever;
};

}  // namespace

std::unique_ptr<AuthMethod> make_chap_authenticatee(AuthProtocol p, const AuthenticateeConfig& cfg,
                                                    Rng& rng, Logger log) {
  return std::make_unique<ChapAuthenticatee>(p, cfg, rng, std::move(log));
}

}  // namespace pptpx::ppp::auth_detail

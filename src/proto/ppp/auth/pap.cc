// SPDX-License-Identifier: MIT
// PAP, both roles (RFC 1334 section 2).
//
// Authenticator: waits for an Authenticate-Request, asks the application for
// the secret, compares in constant time and answers Ack or Nak. The verdict
// is remembered: a repeated request (our answer was lost) gets the same
// answer with the new Identifier. Authenticatee: sends the request, with a
// new Identifier on every retransmission, until answered or out of tries.
#include <algorithm>

#include "base/ct.h"
#include "base/text.h"
#include "crypto/crypto.h"
#include "proto/ppp/auth/auth_internal.h"

namespace pptpx::ppp::auth_detail {
namespace {

constexpr std::string_view kPapAckMessage = "Login ok";
constexpr std::string_view kPapNakMessage = "Login incorrect";

// Constant time whatever the lengths: their SHA-1 digests are compared
// (CRYPTO_memcmp), then wiped; the lengths only once the digests are.
bool same_password(std::string_view a, std::string_view b) {
  crypto::Sha1Digest da = crypto::sha1(as_bytes(a));
  crypto::Sha1Digest db = crypto::sha1(as_bytes(b));
  const bool same = ct_equal(da, db);
  secure_zero(da.data(), da.size());
  secure_zero(db.data(), db.size());
  return same && a.size() == b.size();
}

class PapAuthenticator final : public AuthBase {
 public:
  PapAuthenticator(const AuthenticatorConfig& cfg, Logger log)
      : AuthBase(std::move(log)), cfg_(cfg) {}
  ~PapAuthenticator() override { secure_zero(password_); }

  AuthProtocol protocol() const override { return AuthProtocol::kPap; }

  void start(Time now) override {
    if (started_) return;
    started_ = true;
    give_up_at_ = now + cfg_.timeout;
  }

  void on_packet(ByteView raw, Time) override {
    auto p = parse_packet(raw);
    if (!p) return drop(Drop::kMalformed, "PAP packet: bad header");
    if (p->code != kCodeRequest) return drop(Drop::kUnexpected, "PAP packet: not a request");
    Reader r(p->data);
    ByteView peer_id = r.bytes(r.u8());
    ByteView password = r.bytes(r.u8());
    if (!r.ok()) return drop(Drop::kMalformed, "PAP request: truncated");
    if (!started_) return drop(Drop::kUnexpected, "PAP request before start");
    if (!verdict_.empty()) {
      // Our Ack/Nak was lost: repeat it, answering the new Identifier.
      verdict_[1] = p->id;
      out_.push_back(verdict_);
      ++stats_.repeats;
      return;
    }
    reply_id_ = p->id;
    if (pending_) {
      ++stats_.repeats;  // answered once the secret arrives
      return;
    }
    peer_name_.assign(as_chars(peer_id));
    password_.assign(as_chars(password));
    pending_ = SecretRequest{peer_name_, cfg_.our_name};
  }

  void on_timer(Time now) override {
    if (status_ == AuthStatus::kInProgress && now >= give_up_at_) {
      pending_.reset();
      secure_zero(password_);
      log_.info("peer did not authenticate in time");
      fail("timeout");
    }
  }

  Time next_deadline() const override {
    return status_ == AuthStatus::kInProgress ? give_up_at_ : kNever;
  }

  std::optional<SecretRequest> pending_secret_request() const override { return pending_; }

  void provide_secret(const std::optional<std::string>& secret, Time) override {
    if (!pending_) return;
    pending_.reset();
    bool ok = secret && same_password(*secret, password_);
    secure_zero(password_);
    std::string_view msg = ok ? kPapAckMessage : kPapNakMessage;
    Bytes data;
    Writer w(data);
    w.u8(static_cast<uint8_t>(msg.size()));
    w.text(msg);
    verdict_ = build_packet(ok ? kCodeAck : kCodeNak, reply_id_, data);
    out_.push_back(verdict_);
    if (ok) {
      log_.info("peer {} authenticated", escaped(peer_name_));
      succeed();
    } else if (!secret) {
      log_.info("no secret for {}", escaped(peer_name_));
      fail("no secret for " + escaped(peer_name_));
    } else {
      log_.info("peer {} failed authentication", escaped(peer_name_));
      fail("bad password");
    }
  }

 private:
  AuthenticatorConfig cfg_;
  bool started_ = false;
  Time give_up_at_ = kNever;
  uint8_t reply_id_ = 0;
  std::string password_;
  std::optional<SecretRequest> pending_;
  Bytes verdict_;
};

class PapAuthenticatee final : public AuthBase {
 public:
  PapAuthenticatee(const AuthenticateeConfig& cfg, Rng& rng, Logger log)
      : AuthBase(std::move(log)), cfg_(cfg), rng_(rng) {
    peer_name_ = cfg_.user;
  }
  ~PapAuthenticatee() override { secure_zero(request_.data(), request_.size()); }

  AuthProtocol protocol() const override { return AuthProtocol::kPap; }

  void start(Time) override {
    if (started_) return;
    started_ = true;
    pending_ = SecretRequest{cfg_.user, cfg_.remote_name};
  }

  void on_packet(ByteView raw, Time) override {
    auto p = parse_packet(raw);
    if (!p) return drop(Drop::kMalformed, "PAP packet: bad header");
    if (p->code != kCodeAck && p->code != kCodeNak)
      return drop(Drop::kUnexpected, "PAP packet: not Ack/Nak");
    Reader r(p->data);
    // The Message is optional in practice: some peers send an empty Data field.
    std::string msg;
    if (!r.empty()) {
      uint8_t n = r.u8();
      ByteView m = r.bytes(std::min<size_t>(n, r.remaining()));
      msg.assign(as_chars(m));
    }
    if (status_ != AuthStatus::kInProgress || request_.empty())
      return drop(Drop::kUnexpected, "PAP reply: not waiting for one");
    if (p->id != id_) return drop(Drop::kWrongId, "PAP reply: wrong identifier");
    secure_zero(request_.data(), request_.size());
    request_.clear();
    if (p->code == kCodeAck) {
      log_.debug("authentication succeeded");
      succeed();
    } else {
      log_.debug("authentication failed: {}", printable(msg));
      fail("rejected: " + printable(msg));
    }
  }

  void on_timer(Time now) override {
    if (status_ != AuthStatus::kInProgress || request_.empty() || now < retransmit_at_) return;
    if (sent_ >= cfg_.max_requests) {
      secure_zero(request_.data(), request_.size());
      request_.clear();
      log_.info("no reply from peer");
      fail("timeout");
      return;
    }
    ++stats_.retransmits;
    send(now);
  }

  Time next_deadline() const override {
    return status_ == AuthStatus::kInProgress && !request_.empty() ? retransmit_at_ : kNever;
  }

  std::optional<SecretRequest> pending_secret_request() const override { return pending_; }

  void provide_secret(const std::optional<std::string>& secret, Time now) override {
    if (!pending_) return;
    pending_.reset();
    if (!secret) {
      log_.info("no secret for {}", escaped(cfg_.user));
      fail("no secret for " + cfg_.user);
      return;
    }
    if (cfg_.user.size() > 255 || secret->size() > 255) {
      fail("user name or password longer than 255 octets");
      return;
    }
    Writer w(request_);
    w.u8(static_cast<uint8_t>(cfg_.user.size()));
    w.text(cfg_.user);
    w.u8(static_cast<uint8_t>(secret->size()));
    w.text(*secret);
    uint8_t first_id = 0;
    rng_.fill(std::span<uint8_t>(&first_id, 1));
    id_ = static_cast<uint8_t>(first_id - 1);
    send(now);
  }

 private:
  void send(Time now) {
    ++id_;
    Bytes pkt = build_packet(kCodeRequest, id_, request_);
    out_.push_back(std::move(pkt));
    ++sent_;
    retransmit_at_ = now + cfg_.restart;
  }

  AuthenticateeConfig cfg_;
  Rng& rng_;
  bool started_ = false;
  uint8_t id_ = 0;
  int sent_ = 0;
  Time retransmit_at_ = kNever;
  Bytes request_;  // the Data field (holds the password; zeroed when done)
  std::optional<SecretRequest> pending_;
};

}  // namespace

std::unique_ptr<AuthMethod> make_pap_authenticator(const AuthenticatorConfig& cfg, Rng&,
                                                   Logger log) {
  return std::make_unique<PapAuthenticator>(cfg, std::move(log));
}

std::unique_ptr<AuthMethod> make_pap_authenticatee(const AuthenticateeConfig& cfg, Rng& rng,
                                                   Logger log) {
  return std::make_unique<PapAuthenticatee>(cfg, rng, std::move(log));
}

}  // namespace pptpx::ppp::auth_detail

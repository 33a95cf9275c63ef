// SPDX-License-Identifier: MIT
// The interface between the PPP session and one authentication method.
//
// An auth method is a sans-I/O object. The session feeds it the information
// field of every PAP (0xC023) or CHAP (0xC223) frame and drains the packets it
// wants sent. When it needs a secret it asks (pending_secret_request) and the
// application answers (provide_secret) — later, possibly asynchronously, so a
// RADIUS back-end needs no change here.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/log.h"
#include "base/rng.h"
#include "base/time.h"
#include "crypto/mppe_keys.h"

namespace pptpx::ppp {

enum class AuthProtocol { kNone, kPap, kChapMd5, kMsChapV1, kMsChapV2 };

const char* auth_protocol_name(AuthProtocol p);  // "PAP", "CHAP", "MS-CHAP", "MS-CHAP-v2"
uint16_t auth_ppp_protocol(AuthProtocol p);      // kProtoPap or kProtoChap (0 for kNone)

enum class AuthStatus { kInProgress, kSucceeded, kFailed };

// Whose identity an authentication proves: the peer's (we are the
// authenticator) or ours (we are the authenticatee). pppd runs the two
// directions independently and a link may need both.
enum class AuthSide { kPeer, kUs };

// A question the method asks the application: the secret for `client` as seen
// by `server` (pppd's chap-secrets columns 1 and 2). For the authenticator,
// client = the peer's name and server = our name; for the authenticatee,
// client = our user name and server = remotename or the challenger's name.
// The session fills `side` and `protocol` (PAP secrets live in pap-secrets).
struct SecretRequest {
  std::string client;
  std::string server;
  AuthSide side = AuthSide::kPeer;
  AuthProtocol protocol = AuthProtocol::kNone;
};

// Why packets were dropped or repeated (dropped() is the sum of the first three).
struct AuthStats {
  uint64_t malformed = 0;    // too short, bad Length, wrong Value-Size
  uint64_t unexpected = 0;   // a code this role or state does not accept
  uint64_t wrong_id = 0;     // an Identifier that is not the current one
  uint64_t repeats = 0;      // duplicates answered again from the stored packet
  uint64_t retransmits = 0;  // our own timer-driven retransmissions
};

class AuthMethod {
 public:
  virtual ~AuthMethod() = default;

  virtual AuthProtocol protocol() const = 0;
  // Starts the exchange (the authenticator sends its first Challenge; PAP
  // authenticatee sends its Authenticate-Request once it has the secret).
  virtual void start(Time now) = 0;
  // `packet` is the PPP information field: code, identifier, length, data.
  // Malformed or unexpected packets are dropped (counted, logged at debug).
  virtual void on_packet(ByteView packet, Time now) = 0;
  virtual void on_timer(Time now) = 0;
  virtual Time next_deadline() const = 0;

  // Secret question/answer. nullopt from provide_secret means "no such user".
  virtual std::optional<SecretRequest> pending_secret_request() const = 0;
  virtual void provide_secret(const std::optional<std::string>& secret, Time now) = 0;

  // Packets to send (information fields for auth_ppp_protocol(protocol())).
  std::vector<Bytes> take_output() { return std::move(out_); }

  AuthStatus status() const { return status_; }
  // The name the peer authenticated as (authenticator), or our user name (authenticatee).
  const std::string& peer_name() const { return peer_name_; }
  // Why it failed, for the log ("bad password", "no secret for user", "timeout", ...).
  const std::string& failure_reason() const { return failure_reason_; }
  // MPPE start keys, valid after MS-CHAP v1/v2 success.
  const crypto::MppeStartKeys& mppe_keys() const { return keys_; }
  uint64_t dropped() const { return dropped_; }
  const AuthStats& stats() const { return stats_; }

 protected:
  std::vector<Bytes> out_;
  AuthStatus status_ = AuthStatus::kInProgress;
  std::string peer_name_;
  std::string failure_reason_;
  crypto::MppeStartKeys keys_;
  uint64_t dropped_ = 0;
  AuthStats stats_;
};

struct AuthenticatorConfig {
  std::string our_name;  // CHAP challenge name, secrets "server" column
  // pppd `remotename` on the authenticator: the secret is looked up under
  // this name instead of the one the peer sent (pppd chap-new.c,
  // explicit_remote). "" = the peer's name.
  std::string remote_name;
  Duration restart = seconds(3);   // chap-restart / pap timeout step
  int max_challenges = 10;         // chap-max-challenge
  Duration timeout = seconds(60);  // give up waiting for the peer
  int max_retries = 0;             // MS-CHAP retries allowed after a failure (R=1 when > 0)
};

struct AuthenticateeConfig {
  std::string user;         // name we authenticate as (pppd `user`, else `name`)
  std::string remote_name;  // pppd `remotename` ("" = use the challenger's name)
  Duration restart = seconds(3);
  int max_requests = 10;  // PAP Authenticate-Request retransmissions
};

// Factories. The authenticator verifies the peer (server role); the
// authenticatee proves our identity (client role).
std::unique_ptr<AuthMethod> make_authenticator(AuthProtocol p, const AuthenticatorConfig& cfg,
                                               Rng& rng, Logger log);
std::unique_ptr<AuthMethod> make_authenticatee(AuthProtocol p, const AuthenticateeConfig& cfg,
                                               Rng& rng, Logger log);

}  // namespace pptpx::ppp

// SPDX-License-Identifier: MIT
// LCP option handling (RFC 1661 section 6; RFC 1334/1994/2433/2759 for the
// Authentication-Protocol values). Plugs into Fsm; the session handles the
// LCP-only codes (Protocol-Reject, Echo, Discard, Identification).
#pragma once

#include <cstdint>
#include <vector>

#include "base/rng.h"
#include "base/time.h"
#include "proto/ppp/auth/auth.h"
#include "proto/ppp/fsm.h"

namespace pptpx::ppp {

inline constexpr uint8_t kLcpMru = 1;
inline constexpr uint8_t kLcpAccm = 2;
inline constexpr uint8_t kLcpAuth = 3;
inline constexpr uint8_t kLcpMagic = 5;
inline constexpr uint8_t kLcpPfc = 7;
inline constexpr uint8_t kLcpAcfc = 8;
inline constexpr uint16_t kDefaultMru = 1500;
inline constexpr uint16_t kMinMru = 128;

struct LcpConfig {
  uint16_t mru = kDefaultMru;  // the MRU we ask for (not sent when 1500)
  uint16_t mtu = kDefaultMru;  // cap on what we send, whatever the peer's MRU
  bool request_pfc = true;
  bool request_acfc = true;
  Duration echo_interval = seconds(0);  // 0 = no keep-alive
  int echo_failure = 0;                 // unanswered echoes before the link is down
  FsmConfig fsm;
};

// The option octets of Authentication-Protocol for p (c0 23 / c2 23 alg).
Bytes auth_option_value(AuthProtocol p);
AuthProtocol parse_auth_option(ByteView value);  // kNone when unknown

class LcpOptions final : public FsmHandler {
 public:
  // The two directions are independent, as in pppd: `require` = the methods
  // the peer must authenticate with, in order of preference (we ask for the
  // first, follow a Nak naming another, and drop the option when the peer
  // names none of them: pppd lcp.c lcp_nakci); `accept` = the methods we
  // agree to authenticate ourselves with (Nak with accept[0] otherwise,
  // Reject when empty: pppd lcp_reqci). Either may be empty.
  LcpOptions(const LcpConfig& cfg, Rng& rng, std::vector<AuthProtocol> require,
             std::vector<AuthProtocol> accept);

  void reset_request() override;
  void build_request(Bytes& options) override;
  void judge_request(const std::vector<Option>& options, RequestJudge& judge) override;
  void on_request_acked() override { his_ = pending_; }
  void on_ack(const std::vector<Option>& options) override;
  bool on_nak(const std::vector<Option>& options) override;
  bool on_reject(const std::vector<Option>& options) override;

  // Results of the last negotiation.
  uint32_t our_magic() const { return got_.send_magic ? got_.magic : 0; }  // 0: not negotiated
  uint32_t peer_magic() const { return his_.send_magic ? his_.magic : 0; }
  AuthProtocol auth_of_peer() const { return got_.auth; }  // we authenticate the peer
  AuthProtocol auth_of_us() const { return his_.auth; }    // the peer authenticates us
  bool tx_pfc() const { return his_.pfc; }
  bool tx_acfc() const { return his_.acfc; }
  uint16_t peer_mru() const { return his_.mru; }
  uint16_t tx_mtu() const { return his_.mru < cfg_.mtu ? his_.mru : cfg_.mtu; }
  bool auth_refused() const { return auth_refused_; }
  uint64_t magic_collisions() const { return magic_collisions_; }

 private:
  struct Side {
    bool send_mru = false;
    uint16_t mru = kDefaultMru;
    AuthProtocol auth = AuthProtocol::kNone;
    bool send_magic = true;
    uint32_t magic = 0;
    bool pfc = false;
    bool acfc = false;
  };
  uint32_t new_magic(uint32_t avoid);
  // One option of the peer's Configure-Request.
  void judge_mru(const Option& o, RequestJudge& judge);
  void judge_auth(const Option& o, RequestJudge& judge);
  void judge_magic(const Option& o, RequestJudge& judge);
  bool nak_auth(const Option& o);

  LcpConfig cfg_;
  Rng& rng_;
  std::vector<AuthProtocol> require_;
  std::vector<AuthProtocol> accept_;
  Side want_;     // what our next Configure-Request asks for
  Side got_;      // what the peer acked
  Side his_;      // what we acked of the peer's request
  Side pending_;  // the peer's request being judged
  bool auth_refused_ = false;
  uint64_t magic_collisions_ = 0;
};

}  // namespace pptpx::ppp

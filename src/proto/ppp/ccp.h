// SPDX-License-Identifier: MIT
// CCP (RFC 1962) with the MPPE option only (RFC 3078 section 2, RFC 3079).
//
// Our Configure-Request sets up our receive direction, the option we Ack sets
// up our transmit direction (docs/protocol.md, CCP and MPPE negotiation). The
// responder picks one strength (S > M > L) and, unless stateful mode is
// allowed, insists on stateless mode (H): pppd's ccp.c behaviour, where a
// stateful-only offer is Rejected ("Refusing MPPE stateful mode offered by
// peer"). With stateful_only the H bit is never asked for and is Naked away.
// Reset-Request and Reset-Ack (codes 14/15) are handled by the session.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "proto/ppp/fsm.h"

namespace pptpx::ppp {

inline constexpr uint8_t kCcpMppe = 18;
inline constexpr uint32_t kMppeH = 0x01000000;  // stateless
inline constexpr uint32_t kMppeM = 0x80;        // 56-bit
inline constexpr uint32_t kMppeS = 0x40;        // 128-bit
inline constexpr uint32_t kMppeL = 0x20;        // 40-bit
inline constexpr uint32_t kMppeD = 0x10;        // obsolete
inline constexpr uint32_t kMppeC = 0x01;        // MPPC compression

struct MppePolicy {
  bool enabled = true;
  bool required = true;  // pptpd's usual require-mppe-128
  bool allow_40 = false;
  bool allow_56 = false;
  bool allow_128 = true;
  bool allow_stateful = false;
  // Offer and accept stateful mode only, as Windows 95/98 clients did (not a
  // pppd behaviour: pptpx's --mppe-stateful-only). The peer must allow
  // stateful mode, or MPPE fails.
  bool stateful_only = false;
};

// Key length in bits for a bit set with one strength (0 when none).
int mppe_key_bits(uint32_t bits);

class CcpOptions final : public FsmHandler {
 public:
  explicit CcpOptions(const MppePolicy& policy) : policy_(policy) {}
  // Set by the session before the layer starts (the policy may depend on auth).
  void set_policy(const MppePolicy& policy) { policy_ = policy; }

  void reset_request() override;
  void build_request(Bytes& options) override;
  void judge_request(const std::vector<Option>& options, RequestJudge& judge) override;
  void on_request_acked() override { tx_bits_ = pending_tx_bits_; }
  void on_ack(const std::vector<Option>& options) override;
  bool on_nak(const std::vector<Option>& options) override;
  bool on_reject(const std::vector<Option>& options) override;

  uint32_t tx_bits() const { return tx_bits_; }  // 0 = no MPPE in our transmit direction
  uint32_t rx_bits() const { return rx_bits_; }
  // Non-empty when MPPE is required and negotiation cannot succeed: the
  // reason to close LCP with.
  const std::string& fatal() const { return fatal_; }

 private:
  uint32_t allowed_strengths() const;
  bool stateful_allowed() const { return policy_.allow_stateful || policy_.stateful_only; }

  MppePolicy policy_;
  bool send_mppe_ = true;
  uint32_t want_bits_ = 0;
  uint32_t pending_tx_bits_ = 0;
  uint32_t tx_bits_ = 0;
  uint32_t rx_bits_ = 0;
  std::string fatal_;
};

}  // namespace pptpx::ppp

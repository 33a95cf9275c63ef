// SPDX-License-Identifier: MIT
// One call on the server: its place in the call table (our call ID, the
// peer's, the client's address, the control connection that placed it), the
// PPP link itself (session::Call), and what the link holds on the host while
// it is up: the pppN interface, proxy ARP, wtmp, scripts.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "app/common/call_timer.h"
#include "app/common/ppp_interface.h"
#include "app/server/outcomes.h"
#include "base/ip.h"
#include "base/log.h"
#include "base/time.h"
#include "config/secrets.h"
#include "proto/session/call.h"

namespace pptpx::server {

struct Control;

struct Link {
  Link(Control* c, uint16_t ours, uint16_t peer, Ipv4 peer_address, Ipv4 local_address,
       const session::CallConfig& cfg, Rng& rng, Logger lg, io::EventLoop& loop, Time now)
      : control(c),
        our_id(ours),
        peer_id(peer),
        peer_addr(peer_address),
        local_addr(local_address),
        call(cfg, rng, lg, now),
        timer(loop),
        started(now),
        log(std::move(lg)) {}

  Control* control = nullptr;
  uint16_t our_id = 0;
  uint16_t peer_id = 0;
  Ipv4 peer_addr;
  Ipv4 local_addr;  // where the client reached us: our GRE source
  session::Call call;
  app::CallTimer timer;
  size_t slot = 0;  // in the address pool
  Ipv4 local_ip, remote_ip;
  std::unique_ptr<app::PppInterface> ppp_if;
  bool ip_up = false;  // pppN is configured and carries IP
  pid_t ip_up_pid = 0;
  bool wtmp = false;
  std::optional<Ipv4> proxyarp_on;
  unsigned proxyarp_index = 0;
  bool ending = false;
  bool gre_seen = false;  // a GRE packet of this call came from the client
  std::string peer_name;
  // What was negotiated, for pptpxctl: the client's authentication and MPPE.
  ppp::AuthProtocol auth = ppp::AuthProtocol::kNone;
  int mppe_bits = 0;  // 0: no MPPE
  bool mppe_stateless = false;
  std::optional<config::SecretEntry> secret_entry;  // secret wiped: addresses only
  // The client's authentication as the auth throttle sees it (links.cc):
  // the attempt whose verdict is due, and the answer a delay holds back.
  enum class Attempt { kNone, kChecked, kRefused };
  Attempt attempt = Attempt::kNone;
  std::string attempt_user;  // the name counted: as looked up in the secrets
  uint32_t held_answer = 0;  // nonzero: the delayed answer's number
  uint32_t answers = 0;      // numbers the delayed answers
  Time started;
  Time ip_up_at;
  Logger log;
  // Set up: pppN has carried IP (renegotiations aside). Until then, the
  // first cause of failure noted is what the call's end is counted as.
  bool was_up = false;
  std::optional<SetupFailure> failure;
  void fail_setup(SetupFailure f) {
    if (!failure) failure = f;
  }
};

}  // namespace pptpx::server

// pppd options -> the PPP session's settings, shared by the server and the
// client: LCP (mru, mtu, pcomp/accomp, lcp-echo-*, lcp-restart...), MPPE
// (require-mppe*, nomppe*, mppe-stateful) and the auth method names.
#pragma once

#include <vector>

#include "config/ppp_options.h"
#include "proto/ppp/session.h"

namespace pptpx::app {

ppp::AuthProtocol to_ppp(config::AuthProto p);
std::vector<ppp::AuthProtocol> to_ppp(const std::vector<config::AuthProto>& v);

// Fills sc.lcp and sc.mppe from the options (role, auth and IPCP are the
// caller's).
void apply_link_options(const config::PppOptions& o, ppp::SessionConfig& sc);

// MS-CHAP v1 or v2 is among the methods: the only ones that give MPPE keys.
bool has_mschap(const std::vector<ppp::AuthProtocol>& methods);

}  // namespace pptpx::app

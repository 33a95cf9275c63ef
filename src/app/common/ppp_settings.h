// SPDX-License-Identifier: MIT
// pppd options -> the PPP session's settings, shared by the server and the
// client: LCP (mru, mtu, pcomp/accomp, lcp-echo-*, lcp-restart...), MPPE
// (require-mppe*, nomppe*, mppe-stateful) and the auth method names.
#pragma once

#include <string>
#include <vector>

#include "config/ppp_options.h"
#include "proto/ppp/session.h"

namespace pptpx::app {

ppp::AuthProtocol to_ppp(config::AuthProto p);
std::vector<ppp::AuthProtocol> to_ppp(const std::vector<config::AuthProto>& v);

// Fills sc.lcp and sc.mppe from the options (role, auth and IPCP are the
// caller's).
void apply_link_options(const config::PppOptions& o, ppp::SessionConfig& sc);

// pppd auth_reset: the methods we agree to authenticate ourselves with when
// the peer asks: those not refused, PAP only with `password` or a
// pap-secrets line, the CHAP family only with `password` or a chap-secrets
// line, for `user` (client column) and remotename when given (server
// column; else any). Unreadable files hold no secret.
std::vector<ppp::AuthProtocol> own_methods_with_secret(const config::PppOptions& o,
                                                       const std::string& user,
                                                       const std::string& chap_secrets_path,
                                                       const std::string& pap_secrets_path);

// MS-CHAP v1 or v2 is among the methods: the only ones that give MPPE keys.
bool has_mschap(const std::vector<ppp::AuthProtocol>& methods);

}  // namespace pptpx::app

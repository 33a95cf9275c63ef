// SPDX-License-Identifier: MIT
#include "app/common/ppp_settings.h"

#include "config/secrets.h"

namespace pptpx::app {

ppp::AuthProtocol to_ppp(config::AuthProto p) {
  switch (p) {
    case config::AuthProto::kMsChapV2: return ppp::AuthProtocol::kMsChapV2;
    case config::AuthProto::kMsChapV1: return ppp::AuthProtocol::kMsChapV1;
    case config::AuthProto::kChapMd5: return ppp::AuthProtocol::kChapMd5;
    case config::AuthProto::kPap: return ppp::AuthProtocol::kPap;
  }
  return ppp::AuthProtocol::kNone;
}

std::vector<ppp::AuthProtocol> to_ppp(const std::vector<config::AuthProto>& v) {
  std::vector<ppp::AuthProtocol> out;
  out.reserve(v.size());
  for (auto p : v) out.push_back(to_ppp(p));
  return out;
}

void apply_link_options(const config::PppOptions& o, ppp::SessionConfig& sc) {
  if (o.mru) sc.lcp.mru = static_cast<uint16_t>(*o.mru);
  if (o.mtu) sc.lcp.mtu = static_cast<uint16_t>(*o.mtu);
  sc.lcp.request_pfc = !o.nopcomp;
  sc.lcp.request_acfc = !o.noaccomp;
  if (o.lcp_echo_interval) sc.lcp.echo_interval = seconds(*o.lcp_echo_interval);
  if (o.lcp_echo_failure) sc.lcp.echo_failure = *o.lcp_echo_failure;
  if (o.lcp_restart) sc.lcp.fsm.restart = seconds(*o.lcp_restart);
  if (o.lcp_max_configure) sc.lcp.fsm.max_configure = *o.lcp_max_configure;
  if (o.lcp_max_terminate) sc.lcp.fsm.max_terminate = *o.lcp_max_terminate;
  if (o.lcp_max_failure) sc.lcp.fsm.max_failure = *o.lcp_max_failure;
  config::MppePolicy mp = config::mppe_policy(o);
  sc.mppe.enabled = mp.enabled;
  sc.mppe.required = mp.required;
  sc.mppe.allow_40 = mp.allow_40;
  sc.mppe.allow_56 = mp.allow_56;  // the strongest common strength is always chosen
  sc.mppe.allow_128 = mp.allow_128;
  sc.mppe.allow_stateful = mp.allow_stateful;
}

std::vector<ppp::AuthProtocol> own_methods_with_secret(const config::PppOptions& o,
                                                       const std::string& user,
                                                       const std::string& chap_secrets_path,
                                                       const std::string& pap_secrets_path) {
  std::optional<std::string_view> server;
  if (o.remotename) server = *o.remotename;
  auto have = [&](const std::string& path) {
    return o.password || config::file_has_secret(path, user, server, false);
  };
  std::vector<ppp::AuthProtocol> out;
  std::optional<bool> chap, pap;
  for (ppp::AuthProtocol p : to_ppp(config::own_auth_protocols(o))) {
    std::optional<bool>& known = p == ppp::AuthProtocol::kPap ? pap : chap;
    if (!known) known = have(p == ppp::AuthProtocol::kPap ? pap_secrets_path : chap_secrets_path);
    if (*known) out.push_back(p);
  }
  return out;
}

bool has_mschap(const std::vector<ppp::AuthProtocol>& methods) {
  for (auto p : methods)
    if (p == ppp::AuthProtocol::kMsChapV2 || p == ppp::AuthProtocol::kMsChapV1) return true;
  return false;
}

}  // namespace pptpx::app

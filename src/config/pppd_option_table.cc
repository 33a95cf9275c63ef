// The pppd 2.4.9 options (pppd(8) plus the aliases in options.c, auth.c,
// lcp.c, ipcp.c, ipv6cp.c, ccp.c, tty.c) that pptpx accepts but does not
// implement, with the number of argument words each consumes. Used to skip
// them with a warning instead of rejecting a file pppd would accept.
#include <algorithm>
#include <array>
#include <string_view>

#include "config/ppp_options.h"

namespace pptpx::config {
namespace {

struct Unsupported {
  std::string_view name;
  int args;
};

constexpr std::array kUnsupported = std::to_array<Unsupported>({
    {"-all", 0}, {"-as", 1}, {"-ip", 0}, {"-mn", 0}, {"-mru", 0}, {"-p", 0},
    {"-predictor1", 0}, {"-crtscts", 0}, {"+ua", 1}, {"+eap", 0}, {"-eap", 0},
    {"active-filter", 1}, {"allow-ip", 1}, {"allow-number", 1}, {"bsdcomp", 1}, {"ca", 1},
    {"cdtrcts", 0}, {"cert", 1}, {"chap-interval", 1}, {"chap-max-challenge", 1},
    {"chap-restart", 1}, {"chap-timeout", 1}, {"child-timeout", 1}, {"connect", 1},
    {"crl", 1}, {"crl-dir", 1}, {"crtscts", 0}, {"default-mru", 0}, {"defaultroute-metric", 1},
    {"defaultroute6", 0}, {"deflate", 1}, {"demand", 0}, {"disconnect", 1}, {"domain", 1},
    {"dryrun", 0}, {"eap-interval", 1}, {"eap-max-rreq", 1}, {"eap-max-sreq", 1},
    {"eap-restart", 1}, {"eap-timeout", 1}, {"enable-session", 0}, {"endpoint", 1},
    {"escape", 1}, {"hide-password", 0}, {"ifname", 1}, {"init", 1},
    {"ipcp-max-configure", 1}, {"ipcp-max-failure", 1}, {"ipcp-max-terminate", 1},
    {"ipcp-no-address", 0}, {"ipcp-no-addresses", 0}, {"ipcp-restart", 1}, {"ipv6", 1},
    {"ipv6-down-script", 1}, {"ipv6-up-script", 1}, {"ipv6cp-accept-local", 0},
    {"ipv6cp-accept-remote", 0}, {"ipv6cp-max-configure", 1}, {"ipv6cp-max-failure", 1},
    {"ipv6cp-max-terminate", 1}, {"ipv6cp-restart", 1}, {"ipv6cp-use-ipaddr", 0},
    {"ipv6cp-use-persistent", 0}, {"ipx", 0}, {"ipx-network", 1}, {"ipx-node", 1},
    {"ipx-router-name", 1}, {"ipx-routing", 1}, {"ipxcp-accept-local", 0},
    {"ipxcp-accept-network", 0}, {"ipxcp-accept-remote", 0}, {"ipxcp-max-configure", 1},
    {"ipxcp-max-failure", 1}, {"ipxcp-max-terminate", 1}, {"kdebug", 1}, {"key", 1},
    {"ktune", 0}, {"lcp-echo-adaptive", 0}, {"login", 0}, {"master_detach", 0}, {"modem", 0},
    {"mp", 0}, {"mpshortseq", 0}, {"mrru", 1}, {"ms-lanman", 0}, {"multilink", 0},
    {"need-peer-eap", 0}, {"netmask", 1}, {"nocdtrcts", 0}, {"nocrtscts", 0},
    {"nodefaultroute6", 0}, {"noendpoint", 0}, {"noip", 0}, {"noipx", 0}, {"noktune", 0},
    {"nomagic", 0}, {"nomp", 0}, {"nompshortseq", 0}, {"nomultilink", 0}, {"nopredictor1", 0},
    {"noremoteip", 0}, {"noreplacedefaultroute", 0}, {"notty", 0}, {"papcrypt", 0},
    {"pap-max-authreq", 1}, {"pap-restart", 1}, {"pap-timeout", 1}, {"pass-filter", 1},
    {"passive", 0}, {"plugin", 1}, {"predictor1", 0}, {"privgroup", 1}, {"receive-all", 0},
    {"record", 1}, {"remotenumber", 1}, {"set", 1}, {"show-password", 0}, {"silent", 0},
    {"srp-interval", 1}, {"srp-pn-secret", 1}, {"srp-use-pseudonym", 0}, {"stop-bits", 1},
    {"sync", 0}, {"unset", 1}, {"up_sdnotify", 0}, {"usehostname", 0}, {"vj-max-slots", 1},
    {"welcome", 1}, {"xonxoff", 0},
});

}  // namespace

std::optional<int> unsupported_option_args(std::string_view name) {
  auto it = std::find_if(kUnsupported.begin(), kUnsupported.end(),
                         [&](const Unsupported& u) { return u.name == name; });
  if (it == kUnsupported.end()) return std::nullopt;
  return it->args;
}

}  // namespace pptpx::config

// SPDX-License-Identifier: MIT
// Calls on the server: admission, the PPP link's events, the pppN interface,
// proxy ARP, wtmp, scripts and the end of a call (see server.h).
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "app/common/ppp_settings.h"
#include "app/server/server.h"
#include "base/counters.h"
#include "base/ct.h"
#include "base/overloaded.h"
#include "base/text.h"
#include "io/wtmp.h"
#include "proto/pptp/messages.h"

namespace pptpx::server {

namespace {

// How long LCP waits for the client's first GRE packet (see start_call).
constexpr Duration kLcpStartDelay = milliseconds(100);
// Rounds of events for one input before the call yields to the loop.
constexpr int kServiceRounds = 64;

}  // namespace

session::CallConfig Server::call_config(const pptp::CallRequested& req) const {
  session::CallConfig cfg;
  cfg.gre.peer_call_id = req.peer_call_id;
  cfg.gre.peer_window = req.recv_window;
  cfg.gre.reorder_packets = settings_.conf.reorder_timeout_ms > 0 ? gre::kDefaultReorderPackets : 0;
  cfg.gre.reorder_wait = milliseconds(settings_.conf.reorder_timeout_ms);
  // pppd auth_reset, per connection: we authenticate ourselves when the
  // client asks only with a secret for our name (else LCP Rejects it).
  cfg.ppp = settings_.session;
  cfg.ppp.auth.reverse = app::own_methods_with_secret(
      settings_.ppp, cfg.ppp.auth.authenticatee.user, settings_.flags.chap_secrets_path,
      settings_.flags.pap_secrets_path);
  cfg.mtu = settings_.mtu;
  cfg.idle = settings_.idle;
  cfg.mss_clamp = settings_.ppp.mss_clamp;
  cfg.mtu_check = settings_.ppp.mtu_check;
  cfg.options_place = settings_.conf.option.value_or(settings_.flags.global_options_path);
  return cfg;
}

void Server::start_call(Control& c, const pptp::CallRequested& req) {
  Time now = loop_.now();
  auto slot = pool_.acquire();
  uint16_t our_id = slot ? calls_.allocate() : 0;
  if (!slot || our_id == 0 || shutting_down_) {
    if (slot) pool_.release(*slot);
    stats_.calls_refused_no_slot++;
    stats_.outcomes.count(SetupFailure::kNoSlot);
    c.log.warn("CTRL: no free connection slots or IPs, refusing call {}", req.peer_call_id);
    c.core.reject_call(req.peer_call_id, pptp::kResultGeneralError, pptp::kErrorNoResource, now);
    return;
  }
  stats_.calls++;
  // "[address] call N": call IDs are unique in the server; the first line
  // names the control connection (address:port).
  Logger lg = log_.child(fmt::format("[{}] call {}", c.peer.str(), our_id));
  Link& link = calls_.insert(std::make_unique<Link>(&c, our_id, req.peer_call_id, c.peer, c.local,
                                                    call_config(req), rng_, lg, loop_, now));
  link.slot = *slot;
  link.local_ip = pool_.slot(*slot).local;
  link.remote_ip = pool_.slot(*slot).remote;
  c.calls.push_back(our_id);
  sessions_changed();
  c.core.accept_call(req.peer_call_id, our_id, req.max_bps, now);
  call_placed(c);
  // The Outgoing-Call-Reply must reach the client before our first LCP
  // packet, or the client drops that packet and LCP waits a restart period.
  if (Bytes out = c.core.take_output(); !out.empty()) {
    if (auto ec = c.tcp.write(out)) c.log.debug("CTRL: write error: {}", ec.message());
  }
  link.log.info("CTRL: starting call (peer call ID {}, window {}) on control connection {}",
                req.peer_call_id, req.recv_window, c.name());
  // A client can only take GRE for this call once it has read the
  // Outgoing-Call-Reply; a packet that overtakes it is dropped and costs a
  // whole LCP restart period. So LCP starts with the client's first GRE
  // packet, or after a short delay, whichever comes first.
  loop_.add_timer_after(kLcpStartDelay, [this, our_id] {
    if (Link* pending = calls_.find(our_id)) open_call(*pending);
  });
  loop_.add_timer_after(settings_.gre_timeout, [this, our_id] {
    if (Link* l = calls_.find(our_id); l && !l->gre_seen && !l->ending) no_gre_yet(*l);
  });
}

// The call was placed on TCP 1723, yet no GRE of it came from the client:
// said once per call, at once, and counted.
void Server::no_gre_yet(Link& link) {
  stats_.calls_without_gre++;
  link.log.notice(
      "call from {} placed, no GRE from {} after {} s: IP protocol 47 blocked between us? (a "
      "firewall on either side, or the client's NAT without a PPTP helper)",
      link.control ? link.control->name() : link.peer_addr.str(), link.peer_addr.str(),
      std::chrono::duration_cast<seconds>(settings_.gre_timeout).count());
}

void Server::open_call(Link& link) {
  if (link.call.opened()) return;
  link.call.open(loop_.now());
  service_call(link);
}

// Acts on the call's events and sends what it has to say. The call may end
// (and be destroyed) on the way.
void Server::service_call(Link& link) {
  const uint16_t id = link.our_id;
  for (int round = 0; round < kServiceRounds; ++round) {
    auto ev = link.call.poll_event();
    if (!ev) break;
    handle_call_event(link, *ev);
    if (calls_.find(id) != &link) {
      gre_->flush();
      return;
    }
    if (round + 1 == kServiceRounds)
      link.log.warn("still busy after {} events; the rest wait for the timer", kServiceRounds);
  }
  gre_->transmit(link.call, link.peer_addr, link.local_addr, loop_.now());
  gre_->flush();
  arm_call_timer(link);
}

void Server::handle_call_event(Link& link, session::CallEvent& ev) {
  namespace ce = session::call_event;
  std::visit(Overloaded{
                 [&](ce::SecretNeeded& q) { answer_secret(link, q); },
                 [&](ce::Authenticated& a) { on_authenticated(link, a); },
                 [&](ce::AuthFailed& f) { on_auth_failed(link, f); },
                 [&](ce::CcpUp& up) {
                   // The session core logs "MPPE N-bit ... compression enabled".
                   link.mppe_bits = up.key_bits;
                   link.mppe_stateless = up.stateless;
                   if (link.ppp_if && link.ip_up) link.ppp_if->set_mtu(up.mtu, link.log);
                 },
                 [&](ce::CcpDown&) {},
                 [&](ce::IpUp& up) { on_ip_up(link, up); },
                 [&](ce::IpDown& d) { on_ip_down(link, d.renegotiating && !shutting_down_); },
                 [&](ce::LinkDead&) {
                   link.fail_setup(SetupFailure::kEchoTimeout);
                   link.log.warn("no response to LCP echo requests, the link is down");
                   // pppd would now spend lcp-restart x lcp-max-terminate on
                   // Terminate-Requests nobody answers; the session core has sent
                   // one. Free the session and its address at once and tell the
                   // client (if it still hears us) with a lost-carrier CDN.
                   end_call(link, pptp::kCdnLostCarrier, true);
                 },
                 [&](ce::Finished& f) {
                   link.log.info("LCP terminated: {}", f.reason.empty() ? "link closed" : f.reason);
                   // The client clears its call once PPP is down (RFC 2637: the PNS
                   // sends Call-Clear-Request); give it a moment before we end the
                   // call and the control connection ourselves.
                   end_call(link, pptp::kCdnAdminShutdown, true, /*defer_control=*/!shutting_down_);
                 },
             },
             ev);
}

void Server::answer_secret(Link& link, const session::call_event::SecretNeeded& q) {
  if (q.request.side == ppp::AuthSide::kUs) return answer_own_secret(link, q.request);
  // The core asks again for the client's secret only after it failed the
  // last one and offered a retry (MS-CHAP R=1): that one counts now.
  if (link.attempt == Link::Attempt::kChecked) attempt_failed(link);
  link.attempt = Link::Attempt::kNone;
  answer_client(link, q.request, false);
}

void Server::answer_own_secret(Link& link, const ppp::SecretRequest& req) {
  // The client asked us to authenticate: "our-name client-name secret".
  std::optional<std::string> secret = settings_.ppp.password;
  if (!secret) {
    if (auto e = secrets_.find(req, link.log)) secret = std::move(e->secret);
  }
  if (!secret)
    link.log.warn("no secret for authenticating us ('{}') to '{}'", escaped(req.client),
                  escaped(req.server));
  link.call.provide_secret(secret, loop_.now());
  if (secret) secure_zero(*secret);
}

// The auth throttle first: a blocked source or user is refused unchecked
// (the client sees the Failure a wrong password gets), a source or user
// with failures waits for its verdict. Retransmitted Responses meanwhile
// are the core's (repeats, answered with the verdict): nothing counts twice.
void Server::answer_client(Link& link, const ppp::SecretRequest& req, bool held) {
  Time now = loop_.now();
  // pppd: the server column is our name; with chapms-strip-domain a
  // "DOMAIN\\user" login is looked up as "user", and counted as such.
  std::string user = req.client;
  if (settings_.ppp.chapms_strip_domain) {
    if (size_t bs = user.rfind('\\'); bs != std::string::npos) user.erase(0, bs + 1);
  }
  link.attempt_user = user;
  AuthThrottle::Decision d = auth_throttle_.check(link.peer_addr, user, now);
  if (d.refused) {
    stats_.auth_blocked_refusals++;
    link.attempt = Link::Attempt::kRefused;
    link.log.debug("refusing user '{}' unchecked: {} blocked", escaped(user),
                   d.source_blocked ? "this address is" : "the user is");
    link.secret_entry.reset();
    link.call.provide_secret(std::nullopt, now);
    return;
  }
  if (!held && d.delay > Duration::zero()) {
    stats_.auth_throttled++;
    link.log.info("user '{}': earlier failed logins from {} or as this user, answering in {} s",
                  escaped(user), link.peer_addr.str(),
                  std::chrono::duration_cast<seconds>(d.delay).count());
    const uint32_t answer = ++link.answers;
    link.held_answer = answer;
    loop_.add_timer_after(d.delay, [this, id = link.our_id, answer, req] {
      Link* l = calls_.find(id);
      if (!l || l->ending || l->held_answer != answer) return;
      l->held_answer = 0;
      answer_client(*l, req, true);
      service_call(*l);
    });
    return;
  }
  check_client_secret(link, req);
}

void Server::check_client_secret(Link& link, const ppp::SecretRequest& req) {
  Time now = loop_.now();
  ppp::SecretRequest lookup = req;
  lookup.client = link.attempt_user;
  link.attempt = Link::Attempt::kChecked;
  auto entry = secrets_.find(lookup, link.log);
  if (!entry) {
    link.log.warn("no secret for user '{}' (server '{}') in {}", escaped(req.client),
                  escaped(req.server), secrets_.where(req.protocol));
    link.secret_entry.reset();
    link.call.provide_secret(std::nullopt, now);
    return;
  }
  link.call.provide_secret(entry->secret, now);
  secure_zero(entry->secret);
  link.secret_entry = std::move(*entry);
}

// Counted against the client's address and the user name; a block that
// starts is said once, with the count.
void Server::attempt_failed(Link& link) {
  link.attempt = Link::Attempt::kNone;
  const AuthThrottle::Started started =
      auth_throttle_.failed(link.peer_addr, link.attempt_user, loop_.now());
  const auto block_s =
      std::chrono::duration_cast<seconds>(settings_.auth_throttle.block_time).count();
  if (started.source) {
    stats_.auth_blocks_started++;
    link.log.warn(
        "{} failed logins from {}: refusing its logins for {} s (auth-block-source; pptpxctl "
        "unblock {} ends it)",
        *started.source, link.peer_addr.str(), block_s, link.peer_addr.str());
  }
  if (started.user) {
    stats_.auth_blocks_started++;
    link.log.warn(
        "{} failed logins as user '{}': refusing them for {} s (auth-block-user; pptpxctl "
        "unblock {} ends it)",
        *started.user, escaped(link.attempt_user), block_s, escaped(link.attempt_user));
  }
}

void Server::on_auth_failed(Link& link, const session::call_event::AuthFailed& f) {
  link.fail_setup(SetupFailure::kAuthFailed);
  if (f.side == ppp::AuthSide::kUs) {
    link.log.warn("the client refused our authentication as '{}': {}", escaped(f.peer_name),
                  f.reason);
    return;
  }
  if (link.attempt == Link::Attempt::kRefused) {
    // Said once when the block started; each refusal is counted.
    link.attempt = Link::Attempt::kNone;
    link.log.debug("authentication refused for user '{}': blocked", escaped(f.peer_name));
    return;
  }
  link.log.warn("authentication failed for user '{}': {}", escaped(f.peer_name), f.reason);
  if (link.attempt == Link::Attempt::kChecked) attempt_failed(link);
  stats_.outcomes.count_auth_failure(f.protocol, classify_auth_failure(f.reason));
  // "C@saVa\t" in chap-secrets ends in a tab for pppd and pptpxd, not in
  // "\t". Which escape stays unsaid: it is a piece of the secret.
  if (link.secret_entry && link.secret_entry->secret_escaped)
    link.log.debug(
        "hint: the secret at {}:{} contains a backslash escape, read as pppd reads it (\\t is "
        "a tab, \\s a space, \\\\ one backslash); a backslash in the password must be "
        "written \\\\",
        link.secret_entry->file, link.secret_entry->line);
}

// The call's addresses once its user is known: the slot's (or with
// delegate, pppd's: the options file's "L:R", else our own address on the
// client's path for our end), a chap-secrets address instead of the
// client's. False, with the call closing, when there is none or the user
// may not have it.
bool Server::assign_addresses(Link& link, const std::string& user, Time now) {
  Ipv4 remote = link.remote_ip;
  Ipv4 local = link.local_ip;
  if (settings_.conf.delegate) {
    local = settings_.ppp.local_ip.value_or(link.local_addr);
    remote = settings_.ppp.remote_ip.value_or(Ipv4{});
  } else if (!settings_.conf.localip && settings_.ppp.local_ip) {
    local = *settings_.ppp.local_ip;
  }
  if (link.secret_entry) {
    if (auto fixed = config::fixed_address(*link.secret_entry)) remote = *fixed;
  }
  if (remote.is_zero()) {
    link.log.warn(
        "delegate: no address for {}: give the user one in chap-secrets (4th column) or the "
        "options file a ':REMOTE' address",
        escaped(user));
    link.fail_setup(SetupFailure::kNoAddress);
    link.call.close("No address for you", now);
    return false;
  }
  if (link.secret_entry && !config::address_allowed(*link.secret_entry, remote)) {
    link.log.warn("peer {} is not authorized to use remote address {}", escaped(user),
                  remote.str());
    link.fail_setup(SetupFailure::kAddressNotAllowed);
    link.call.close("Authentication failed", now);
    return false;
  }
  for (const auto& [id, other] : calls_.links()) {
    if (other.get() != &link && other->ip_up && other->remote_ip == remote) {
      link.log.warn("address {} for {} is already in use by {}", remote.str(), escaped(user),
                    escaped(other->peer_name));
      link.fail_setup(SetupFailure::kAddressInUse);
      link.call.close("Address in use", now);
      return false;
    }
  }
  link.remote_ip = remote;
  link.local_ip = local;
  return true;
}

void Server::on_authenticated(Link& link, const session::call_event::Authenticated& a) {
  if (a.side == ppp::AuthSide::kUs) {
    link.log.info("authenticated ourselves to the client as '{}' with {}", escaped(a.peer_name),
                  ppp::auth_protocol_name(a.protocol));
    return;
  }
  if (a.protocol != ppp::AuthProtocol::kNone)
    stats_.outcomes.auth_successes[method_index(a.protocol)]++;
  // The user's failures are forgotten, its address's are not.
  if (link.attempt == Link::Attempt::kChecked) auth_throttle_.succeeded(link.attempt_user);
  link.attempt = Link::Attempt::kNone;
  link.peer_name = a.peer_name;
  link.auth = a.protocol;
  link.log.notice("user {} authenticated with {}", escaped(a.peer_name),
                  ppp::auth_protocol_name(a.protocol));
  Time now = loop_.now();
  if (!assign_addresses(link, a.peer_name, now)) return;
  ppp::IpConfig ip;
  ip.local = link.local_ip;
  ip.remote = link.remote_ip;
  static_cast<NameServers&>(ip) = settings_.servers;
  link.call.start_network(ip, now);
}

void Server::on_ip_up(Link& link, const session::call_event::IpUp& up) {
  if (link.ppp_if) {
    // The link was renegotiated: the interface stayed, with its routes.
    link.ppp_if->readdress(link.local_ip, link.remote_ip, up.local, up.remote, link.log);
    link.local_ip = up.local;
    link.remote_ip = up.remote;
    link.ppp_if->set_mtu(up.mtu, link.log);
    link.ip_up = true;
    link.log.notice("up again after renegotiation: local IP address {}, remote IP address {}",
                    up.local.str(), up.remote.str());
    run_script(link, settings_.ip_up_script, false);
    return;
  }
  link.local_ip = up.local;
  link.remote_ip = up.remote;
  create_interface(link, up);
}

void Server::create_interface(Link& link, const session::call_event::IpUp& up) {
  auto tun = platform_->create_tun(std::nullopt);
  if (!tun) {
    link.log.error("cannot create a TUN interface: {}", tun.error().message());
    link.fail_setup(SetupFailure::kNoInterface);
    link.call.close("No interface", loop_.now());
    return;
  }
  link.ppp_if = std::make_unique<app::PppInterface>(std::move(tun.value()), platform_->links());
  app::PppInterface& pif = *link.ppp_if;
  link.log = link.log.child(pif.name());
  link.call.set_log(link.log);
  pif.configure(up.local, up.remote, up.mtu, settings_.session.ipv6, link.log);
  pif.bring_up(link.log);
  const uint16_t id = link.our_id;
  if (auto ec = loop_.add(pif.fd(), io::kReadable, [this, id](uint32_t events) {
        Link* l = calls_.find(id);
        // A TUN device reports an error only once its interface is gone.
        if (l && (events & io::kError))
          end_lost_interface(*l, app::LinkLoss::kRemoved);
        else if (l)
          on_tun_readable(*l);
      }))
    link.log.warn("cannot watch {}: {}", pif.name(), ec.message());
  link.ip_up = true;
  link.ip_up_at = loop_.now();
  if (!link.was_up) {
    link.was_up = true;
    stats_.outcomes.setups++;
    stats_.outcomes.setup_seconds.observe(
        std::chrono::duration<double>(link.ip_up_at - link.started).count());
  }
  link.log.notice("local IP address {}, remote IP address {}", up.local.str(), up.remote.str());
  if (settings_.ppp.proxyarp.value_or(false)) publish_proxy_arp(link, up.remote);
  if (settings_.conf.logwtmp) {
    link.wtmp = io::wtmp_login(pif.name(), link.peer_name, link.peer_addr.str());
    if (!link.wtmp) link.log.debug("no wtmp record written");
  }
  run_script(link, settings_.ip_up_script, false);
}

void Server::publish_proxy_arp(Link& link, Ipv4 remote) {
  io::Netlink* nl = platform_->netlink();
  if (!nl) return;
  auto found = nl->find_lan_interface(remote);
  if (!found || !found.value()) {
    link.log.warn("proxyarp: no interface has a subnet holding {}", remote.str());
    return;
  }
  const io::InterfaceInfo& dev = *found.value();
  if (auto ec = nl->add_proxy_arp(dev.ifindex, remote)) {
    link.log.warn("proxyarp on {} failed: {}", dev.name, ec.message());
    return;
  }
  link.proxyarp_on = remote;
  link.proxyarp_index = dev.ifindex;
  link.log.info("proxy ARP entry for {} published on {}", remote.str(), dev.name);
}

void Server::on_ip_down(Link& link, bool keep_interface) {
  if (link.ip_up) {
    link.ip_up = false;
    run_script(link, settings_.ip_down_script, true);
  }
  if (keep_interface) {
    if (link.ppp_if) link.log.info("link renegotiating; {} kept", link.ppp_if->name());
    return;
  }
  if (link.wtmp && link.ppp_if) io::wtmp_logout(link.ppp_if->name());
  link.wtmp = false;
  if (link.proxyarp_on) {
    if (io::Netlink* nl = platform_->netlink()) {
      if (auto ec = nl->del_proxy_arp(link.proxyarp_index, *link.proxyarp_on))
        link.log.warn("proxyarp: cannot withdraw the entry for {}: {}", link.proxyarp_on->str(),
                      ec.message());
    }
    link.proxyarp_on.reset();
  }
  if (link.ppp_if) {
    loop_.remove(link.ppp_if->fd());
    link.ppp_if->log_removal(link.log);
    link.ppp_if.reset();
  }
}

std::vector<app::OwnInterface> Server::own_interfaces() const {
  std::vector<app::OwnInterface> out;
  for (const auto& [id, link] : calls_.links()) {
    if (link->ending || !link->ppp_if) continue;
    if (auto own = link->ppp_if->watched()) out.push_back(*own);
  }
  return out;
}

void Server::on_interface_lost(const app::LostInterface& lost) {
  for (const auto& [id, link] : calls_.links()) {
    if (link->ppp_if && link->ppp_if->ifindex() == lost.ifindex) {
      end_lost_interface(*link, lost.loss);
      return;
    }
  }
}

// What an ordinary hang-up of ours does (as at shutdown): LCP
// Terminate-Request with the reason; at Finished the session ends as usual
// (ip-down, CDN, Stop-Control-Connection), or when the client never
// answers, after the Terminate retries.
void Server::end_lost_interface(Link& link, app::LinkLoss loss) {
  app::PppInterface* pif = link.ppp_if.get();
  if (link.ending || !pif || pif->lost()) return;
  pif->set_lost(loss);
  // A removed interface's TUN device reports errors from now on.
  if (loss == app::LinkLoss::kRemoved) loop_.remove(pif->fd());
  const char* how = app::describe(loss);
  std::string who =
      link.peer_name.empty() ? "" : fmt::format(" (user {})", escaped(link.peer_name));
  link.log.notice("{}{} was {} from outside pptpxd: ending the session", pif->name(), who, how);
  link.call.close(fmt::format("Interface {} {} on the server", pif->name(), how), loop_.now());
  service_call(link);
}

void Server::run_script(Link& link, const std::string& path, bool down) {
  app::ScriptContext ctx;
  ctx.ifname = link.ppp_if ? link.ppp_if->name() : "";
  ctx.device = link.ppp_if ? link.ppp_if->name() : std::string("pptp");
  ctx.speed = settings_.speed;
  ctx.local = link.local_ip;
  ctx.remote = link.remote_ip;
  // pptpd passes the client's address as ipparam unless noipparam.
  if (!settings_.conf.noipparam)
    ctx.ipparam = link.peer_addr.str();
  else if (settings_.ppp.ipparam)
    ctx.ipparam = *settings_.ppp.ipparam;
  ctx.orig_uid = 0;
  if (!link.peer_name.empty()) ctx.env.push_back("PEERNAME=" + link.peer_name);
  // The DNS servers this session handed out (ms-dns), for scripts that
  // publish or filter them.
  if (settings_.servers.dns1) ctx.env.push_back("DNS1=" + settings_.servers.dns1->str());
  if (settings_.servers.dns2) ctx.env.push_back("DNS2=" + settings_.servers.dns2->str());
  std::vector<std::string> argv = app::script_argv(path, ctx);
  if (!down) {
    link.ip_up_pid = scripts_.run(path, argv, app::script_env(ctx, nullptr), link.log);
    return;
  }
  const session::CallTraffic& t = link.call.traffic();
  app::LinkTotals totals{std::chrono::duration_cast<seconds>(loop_.now() - link.ip_up_at).count(),
                         t.bytes_out, t.bytes_in};
  // ip-down runs only after ip-up has finished, as with pppd.
  scripts_.run_after(link.ip_up_pid, path, argv, app::script_env(ctx, &totals), link.log);
  link.ip_up_pid = 0;
}

void Server::end_call(Link& link, uint8_t cdn_result, bool send_cdn, bool defer_control) {
  if (link.ending) return;
  link.ending = true;
  Time now = loop_.now();
  on_ip_down(link, false);
  const session::CallTraffic& t = link.call.traffic();
  auto secs = std::chrono::duration_cast<seconds>(now - link.started).count();
  link.log.notice("connection terminated after {} s: sent {} bytes, received {} bytes{}{}", secs,
                  t.bytes_out, t.bytes_in, link.peer_name.empty() ? "" : ", user ",
                  escaped(link.peer_name));
  Control* c = link.control;
  std::string stats = fmt::format("sent {} received {}", t.bytes_out, t.bytes_in);
  if (send_cdn && c && !c->core.closed() && !defer_control)
    c->core.disconnect_call(link.our_id, cdn_result, stats, now);
  link.timer.cancel();
  stats_.data_path += link.call.data_path_stats();
  stats_.ppp += link.call.ppp().counters();
  stats_.data_before_up += t.data_before_up;
  add_counters(stats_.traffic, t);
  if (!link.was_up)
    stats_.outcomes.count(shutting_down_ ? SetupFailure::kShutdown
                                         : link.failure.value_or(SetupFailure::kNegotiation));
  pool_.release(link.slot);
  const uint16_t id = link.our_id;
  calls_.erase(id);  // `link` is gone from here on
  sessions_changed();
  if (c) after_call_ended(*c, id, cdn_result, send_cdn, defer_control, std::move(stats));
  maybe_finish_shutdown();
}

// What a call's end means for its control connection: the CDN waits for
// the client's own Call-Clear-Request a moment (defer_control), or the
// connection, left without calls, stops now.
void Server::after_call_ended(Control& c, uint16_t call_id, uint8_t cdn_result, bool send_cdn,
                              bool defer_control, std::string stats) {
  std::erase(c.calls, call_id);
  if (c.core.closed()) return;
  if (defer_control) {
    stop_idle_control_after(c.id, call_id, cdn_result, send_cdn, std::move(stats));
    return;
  }
  if (!c.calls.empty()) return;
  // One call per connection in practice: end the control connection too.
  c.core.shutdown(shutting_down_ ? pptp::kStopReasonLocalShutdown : pptp::kStopReasonNone,
                  loop_.now());
  uint64_t cid = c.id;
  loop_.add_timer_after(Duration::zero(), [this, cid] {
    auto it = controls_.find(cid);
    if (it != controls_.end()) service_control(*it->second);
  });
}

void Server::arm_call_timer(Link& link) {
  const uint16_t id = link.our_id;
  link.timer.arm(link.call.next_deadline(), [this, id] { on_call_timer(id); });
}

void Server::on_call_timer(uint16_t our_id) {
  Link* link = calls_.find(our_id);
  if (!link) return;
  link->call.on_timer(loop_.now());
  deliver_released(*link);
  if (calls_.find(our_id) != link) return;
  service_call(*link);
}

}  // namespace pptpx::server

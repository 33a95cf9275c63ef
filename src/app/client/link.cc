// SPDX-License-Identifier: MIT
// The client's PPP link: the session::Call's events, pppN, scripts, pid
// files, resolv.conf and the data path (see client.h).
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <utility>

#include "app/client/client.h"
#include "base/ct.h"
#include "base/overloaded.h"
#include "base/text.h"
#include "io/pidfile.h"

namespace pptpx::client {

namespace {

// pppd waits for ip-pre-up without a limit; a hung script must not keep
// the link down for ever.
constexpr Duration kPreUpWait = seconds(60);
// Rounds of events for one input before the link yields to the loop.
constexpr int kServiceRounds = 64;

}  // namespace

void Client::start_link(uint16_t peer_call_id, uint16_t peer_window) {
  Time now = loop_.now();
  session::CallConfig cfg;
  cfg.ppp = settings_.session;
  cfg.gre.peer_call_id = peer_call_id;
  cfg.gre.peer_window = peer_window;
  // pptp --nobuffer turns the reorder window off; --timeout S sets its time.
  if (!settings_.pty.nobuffer) {
    cfg.gre.reorder_packets = gre::kDefaultReorderPackets;
    cfg.gre.reorder_wait = settings_.pty.reorder_timeout.value_or(gre::kDefaultReorderWait);
  }
  cfg.mtu = settings_.mtu;
  cfg.mss_clamp = settings_.ppp.mss_clamp;
  cfg.mtu_check = settings_.ppp.mtu_check;
  cfg.options_place =
      settings_.ppp.call_file.value_or(settings_.flags.peers_dir + "/" + settings_.flags.call_name);
  call_ = std::make_unique<session::Call>(cfg, rng_, log_, now);
  stage_ = Stage::kLink;
  gre_seen_ = false;
  gre_watch_timer_ =
      loop_.add_timer_after(settings_.flags.gre_timeout, [this] { on_gre_silence(); });
  call_->open(now);
  service_link();
}

// The call is connected on TCP 1723, yet not one GRE packet of it came from
// the server: said once, at once, rather than as "LCP negotiation failed"
// half a minute later. LCP goes on trying for its usual time.
void Client::on_gre_silence() {
  gre_watch_timer_ = 0;
  if (stage_ != Stage::kLink || gre_seen_) return;
  stats_.gre_silent_calls++;
  std::string odd;
  if (stats_.gre_wrong_call)
    odd = fmt::format(
        " ({} GRE packets came from another address or for another call: a NAT "
        "between us?)",
        stats_.gre_wrong_call);
  log_.warn(
      "no GRE from {} {} s after the call connected: the server answers on TCP 1723 but none of "
      "its GRE (IP protocol 47) packets arrive{}. Usually a firewall on either side drops "
      "protocol 47, or a NAT router has no PPTP helper (nf_conntrack_pptp): allow GRE both ways "
      "(README: Firewall and NAT). Still trying LCP.",
      server_.str(), std::chrono::duration_cast<seconds>(settings_.flags.gre_timeout).count(), odd);
}

// Acts on the link's events and sends what it has to say; the link may end
// on the way.
void Client::service_link() {
  for (int round = 0; round < kServiceRounds && stage_ == Stage::kLink; ++round) {
    auto ev = call_->poll_event();
    if (!ev) break;
    handle_link_event(*ev);
    if (round + 1 == kServiceRounds)
      log_.warn("still busy after {} events; the rest wait for the timer", kServiceRounds);
  }
  if (!gre_) return;
  if (call_) gre_->transmit(*call_, server_, Ipv4{}, loop_.now());
  gre_->flush();
  if (stage_ == Stage::kLink) link_timer_.arm(call_->next_deadline(), [this] { on_link_timer(); });
}

void Client::handle_link_event(session::CallEvent& ev) {
  namespace ce = session::call_event;
  std::visit(Overloaded{
                 [&](ce::SecretNeeded& q) { answer_secret(q); },
                 [&](ce::Authenticated& a) {
                   if (a.side == ppp::AuthSide::kPeer) {
                     log_.notice("server '{}' authenticated with {}", escaped(a.peer_name),
                                 ppp::auth_protocol_name(a.protocol));
                     return;
                   }
                   log_.notice("authenticated to the server as '{}' with {}", escaped(a.peer_name),
                               ppp::auth_protocol_name(a.protocol));
                 },
                 [&](ce::AuthFailed& f) {
                   if (f.side == ppp::AuthSide::kPeer) {
                     // pppd EXIT_PEER_AUTH_FAILED: refused in LCP or failed our challenge.
                     status_ = kExitPeerAuthFailed;
                     log_.error("the server failed to authenticate itself: {}", f.reason);
                     return;
                   }
                   status_ = kExitAuthToPeerFailed;
                   log_.error("{}", explain_auth_failure(f));
                 },
                 [&](ce::CcpUp& up) {
                   log_.notice("MPPE {}-bit {} compression enabled", up.key_bits,
                               up.stateless ? "stateless" : "stateful");
                   if (ip_up_ && ppp_if_) ppp_if_->set_mtu(up.mtu, log_);
                 },
                 [&](ce::CcpDown&) {},
                 [&](ce::IpUp& up) { on_ip_up(up); },
                 [&](ce::IpDown& d) { on_ip_down(d.renegotiating && !hanging_up_); },
                 [&](ce::LinkDead&) {
                   if (!status_) status_ = kExitPeerDead;
                   // pppd's words, which log watchers and forum answers grep for.
                   log_.notice("Serial link appears to be disconnected.");
                 },
                 [&](ce::Finished& f) {
                   log_.info("LCP terminated: {}", f.reason.empty() ? "link closed" : f.reason);
                   end_link(hanging_up_
                                ? kExitOk
                                : (ip_up_ || status_ ? kExitHangup : kExitNegotiationFailed));
                   if (control_ && !control_->closed()) {
                     control_->hangup(loop_.now());
                     defer([this] { service_control(); });
                   }
                 },
             },
             ev);
}

void Client::answer_secret(const session::call_event::SecretNeeded& q) {
  const ppp::SecretRequest& req = q.request;
  Time now = loop_.now();
  // Verifying the server (pppd `auth`/`require-*`) reads the line "server-name
  // our-name secret", as pppd's chap_verify_response / check_passwd do: never
  // `password`, and it is no retry of ours.
  const bool ours = req.side == ppp::AuthSide::kUs;
  if (ours) {
    // A second question means the server refused our secret and offers a
    // retry: like pppd, do not try the same password again.
    if (q.repeated) {
      log_.debug("not retrying authentication with the same secret");
      call_->provide_secret(std::nullopt, now);
      return;
    }
    if (settings_.ppp.password) {
      call_->provide_secret(*settings_.ppp.password, now);
      return;
    }
  }
  if (auto entry = secrets_.find(req, log_)) {
    call_->provide_secret(entry->secret, now);
    secure_zero(entry->secret);
    return;
  }
  if (ours)
    log_.error("no secret found for authenticating us ('{}') to '{}' in {}", escaped(req.client),
               escaped(req.server), secrets_.where(req.protocol));
  else
    log_.error("no secret found for authenticating the server ('{}') as '{}' in {}",
               escaped(req.client), escaped(req.server), secrets_.where(req.protocol));
  call_->provide_secret(std::nullopt, now);
}

void Client::on_ip_up(const session::call_event::IpUp& up) {
  if (settings_.usepeerdns) {
    servers_.dns1 = up.servers.dns1;
    servers_.dns2 = up.servers.dns2;
  }
  if (settings_.usepeerwins) {
    servers_.wins1 = up.servers.wins1;
    servers_.wins2 = up.servers.wins2;
  }
  if (ppp_if_) {
    // The link was renegotiated: the interface stayed, with its routes.
    ppp_if_->readdress(local_ip_, remote_ip_, up.local, up.remote, log_);
    local_ip_ = up.local;
    remote_ip_ = up.remote;
    ppp_if_->set_mtu(up.mtu, log_);
    if (!if_ready_) return;  // ip-pre-up still runs: finish_ip_up() follows
    ip_up_ = true;
    log_.notice("{} up again after renegotiation: local {} remote {}", ppp_if_->name(),
                up.local.str(), up.remote.str());
    run_script(settings_.ip_up_script, Script::kUp);
    return;
  }
  local_ip_ = up.local;
  remote_ip_ = up.remote;
  create_interface(up);
}

void Client::create_interface(const session::call_event::IpUp& up) {
  auto tun = platform_->create_tun(settings_.unit);
  if (!tun && settings_.unit) {
    // pppd: "unit N" is a wish; a taken unit falls back to the next free one.
    log_.warn("cannot use ppp{}: {}; taking the next free unit", *settings_.unit,
              tun.error().message());
    tun = platform_->create_tun(std::nullopt);
  }
  if (!tun) {
    log_.error("cannot create a TUN interface: {}", tun.error().message());
    status_ = kExitFatal;
    call_->close("No interface", loop_.now());
    return;
  }
  ppp_if_ = std::make_unique<app::PppInterface>(std::move(tun.value()), platform_->links());
  log_.notice("using interface {}", ppp_if_->name());
  ppp_if_->configure(up.local, up.remote, up.mtu, /*ipv6=*/false, log_);
  // pppd runs ip-pre-up with the addresses set and the interface still
  // down, and waits for it (here without blocking the loop: the rest of
  // the set-up continues when it exits, or after kPreUpWait).
  const uint64_t gen = ++ip_up_generation_;
  run_script(settings_.ip_pre_up_script, Script::kPreUp, [this, gen] { finish_ip_up(gen); });
  if (ip_up_generation_ == gen && !if_ready_ && !pre_up_timer_ && stage_ == Stage::kLink) {
    pre_up_timer_ = loop_.add_timer_after(kPreUpWait, [this, gen] {
      pre_up_timer_ = 0;
      if (ip_up_generation_ != gen || if_ready_) return;
      log_.warn("{} still running after {} s; going on", settings_.ip_pre_up_script,
                std::chrono::duration_cast<seconds>(kPreUpWait).count());
      finish_ip_up(gen);
    });
  }
}

// The rest of IPCP up, once ip-pre-up is done.
void Client::finish_ip_up(uint64_t generation) {
  if (generation != ip_up_generation_ || if_ready_ || !ppp_if_ || stage_ != Stage::kLink) return;
  if_ready_ = true;
  if (pre_up_timer_) loop_.cancel_timer(pre_up_timer_);
  pre_up_timer_ = 0;
  app::PppInterface& pif = *ppp_if_;
  pif.bring_up(log_);
  auto on_tun = [this](uint32_t events) {
    // A TUN device reports an error only once its interface is gone.
    if (events & io::kError)
      on_interface_lost(app::LinkLoss::kRemoved);
    else
      on_tun_readable();
  };
  if (auto ec = loop_.add(pif.fd(), io::kReadable, on_tun))
    log_.warn("cannot watch {}: {}", pif.name(), ec.message());
  ip_up_ = true;
  link_was_up_ = true;
  ip_up_at_ = loop_.now();
  log_.notice("local  IP address {}", local_ip_.str());
  log_.notice("remote IP address {}", remote_ip_.str());
  if (servers_.dns1) log_.notice("primary   DNS address {}", servers_.dns1->str());
  if (servers_.dns2) log_.notice("secondary DNS address {}", servers_.dns2->str());
  if (servers_.wins1) log_.notice("primary   WINS address {}", servers_.wins1->str());
  if (servers_.wins2) log_.notice("secondary WINS address {}", servers_.wins2->str());
  routes_->add(pif.name(), pif.ifindex(), log_);
  if (settings_.usepeerdns && servers_.any_dns()) write_resolv_conf();
  write_pid_files();
  run_script(settings_.ip_up_script, Script::kUp);
  if (link_up_cb_) {
    auto cb = std::move(link_up_cb_);
    link_up_cb_ = nullptr;
    cb();
  }
}

void Client::write_resolv_conf() {
  const std::string& path = settings_.flags.resolv_conf_path;
  std::ofstream out(path, std::ios::trunc);
  out << resolv_conf_text(servers_.dns1, servers_.dns2);
  if (!out)
    log_.warn("cannot write {}", path);
  else if (chmod(path.c_str(), 0644) != 0)
    log_.debug("cannot chmod {}", path);
}

void Client::write_pid_files() {
  if (!ppp_if_) return;
  std::string unit_file = settings_.flags.run_dir + "/" + ppp_if_->name() + ".pid";
  if (auto ec = io::write_pidfile(unit_file))
    log_.warn("cannot write {}: {}", unit_file, ec.message());
  else
    pid_files_.push_back(unit_file);
  if (settings_.linkname) {
    // pppd: the pid, then the interface name.
    std::string link_file = settings_.flags.run_dir + "/ppp-" + *settings_.linkname + ".pid";
    std::ofstream out(link_file, std::ios::trunc);
    out << getpid() << "\n" << ppp_if_->name() << "\n";
    if (!out)
      log_.warn("cannot write {}", link_file);
    else
      pid_files_.push_back(link_file);
  }
}

void Client::remove_pid_files() {
  for (const auto& f : pid_files_) {
    if (auto ec = io::remove_pidfile(f)) log_.debug("cannot remove {}: {}", f, ec.message());
  }
  pid_files_.clear();
}

app::ScriptContext Client::script_context() const {
  app::ScriptContext ctx;
  ctx.ifname = ppp_if_ ? ppp_if_->name() : "";
  ctx.device = ctx.ifname;
  ctx.speed = settings_.speed;
  ctx.local = local_ip_;
  ctx.remote = remote_ip_;
  ctx.ipparam = settings_.ipparam;
  ctx.orig_uid = getuid();
  ctx.env.push_back("CALL_FILE=" + settings_.flags.call_name);
  if (settings_.linkname) ctx.env.push_back("LINKNAME=" + *settings_.linkname);
  if (servers_.dns1) ctx.env.push_back("DNS1=" + servers_.dns1->str());
  if (servers_.dns2) ctx.env.push_back("DNS2=" + servers_.dns2->str());
  if (settings_.usepeerdns && servers_.any_dns()) ctx.env.push_back("USEPEERDNS=1");
  if (servers_.wins1) ctx.env.push_back("WINS1=" + servers_.wins1->str());
  if (servers_.wins2) ctx.env.push_back("WINS2=" + servers_.wins2->str());
  if (settings_.usepeerwins && servers_.any_wins()) ctx.env.push_back("USEPEERWINS=1");
  return ctx;
}

void Client::run_script(const std::string& path, Script which, const std::function<void()>& then) {
  app::ScriptContext ctx = script_context();
  std::vector<std::string> argv = app::script_argv(path, ctx);
  if (which != Script::kDown) {
    pid_t pid = scripts_.run(path, argv, app::script_env(ctx, nullptr), log_, then);
    if (which == Script::kUp) ip_up_pid_ = pid;
    return;
  }
  session::CallTraffic t = call_ ? call_->traffic() : session::CallTraffic{};
  app::LinkTotals totals{std::chrono::duration_cast<seconds>(loop_.now() - ip_up_at_).count(),
                         t.bytes_out, t.bytes_in};
  // ip-down only after ip-up, as with pppd.
  scripts_.run_after(ip_up_pid_, path, argv, app::script_env(ctx, &totals), log_);
  ip_up_pid_ = 0;
}

void Client::on_ip_down(bool keep_interface) {
  // Routes go before ip-down runs, as with pppd; a renegotiation keeps
  // them, and a teardown after one finds them still there.
  if (!keep_interface && routes_) routes_->remove(ppp_if_ ? ppp_if_->ifindex() : 0, log_);
  if (ip_up_) {
    ip_up_ = false;
    run_script(settings_.ip_down_script, Script::kDown);
  }
  if (keep_interface) {
    if (ppp_if_) log_.info("link renegotiating; {} kept", ppp_if_->name());
    return;
  }
  ++ip_up_generation_;  // an ip-pre-up still running finds nothing to finish
  remove_pid_files();
  if (ppp_if_) {
    if (if_ready_) loop_.remove(ppp_if_->fd());
    ppp_if_->log_removal(log_);
    ppp_if_.reset();
  }
  if_ready_ = false;
}

void Client::watch_interface() {
  auto ours = [this] {
    std::vector<app::OwnInterface> out;
    if (ppp_if_ && stage_ == Stage::kLink) {
      if (auto own = ppp_if_->watched()) out.push_back(*own);
    }
    return out;
  };
  auto lost = [this](const app::LostInterface& l) {
    if (ppp_if_ && ppp_if_->ifindex() == l.ifindex) on_interface_lost(l.loss);
  };
  link_watcher_.start(*platform_, ours, lost);
}

// As a hang-up of ours: Terminate-Request with the reason; at Finished the
// link ends with pppd's hang-up status.
void Client::on_interface_lost(app::LinkLoss loss) {
  if (!ppp_if_ || ppp_if_->lost() || stage_ != Stage::kLink) return;
  ppp_if_->set_lost(loss);
  if (!status_) status_ = kExitHangup;  // the link was up: not a failed negotiation
  // A removed interface's TUN device reports errors from now on.
  if (loss == app::LinkLoss::kRemoved && if_ready_) loop_.remove(ppp_if_->fd());
  const char* how = app::describe(loss);
  log_.notice("{} was {} from outside pptpx: ending the link", ppp_if_->name(), how);
  call_->close(fmt::format("Interface {} {} on the client", ppp_if_->name(), how), loop_.now());
  service_link();
}

// The link is over (or never came): everything it held on the host goes.
void Client::end_link(int status) {
  if (stage_ >= Stage::kClosing) return;
  const bool had_link = stage_ == Stage::kLink;
  // Before the link ever came up: why, in words (the Finished event, a
  // Call-Disconnect-Notify or the control connection's end brings us here).
  if (had_link && !hanging_up_ && !link_was_up_) {
    std::string why = explain_link_end();
    if (!why.empty()) log_.error("{}", why);
  } else if (had_link && !hanging_up_ && call_ && !call_->ppp().peer_terminate_reason().empty()) {
    log_.notice("the server hung up: \"{}\"", call_->ppp().peer_terminate_reason());
  }
  stage_ = Stage::kClosing;
  if (status_ == kExitOk && !hanging_up_) status_ = status;
  on_ip_down(false);
  link_timer_.cancel();
  if (hangup_timer_) loop_.cancel_timer(hangup_timer_);
  hangup_timer_ = 0;
  if (had_link && ip_up_at_ != Time{}) {
    const session::CallTraffic& t = call_->traffic();
    auto secs = std::chrono::duration_cast<seconds>(loop_.now() - ip_up_at_).count();
    log_.notice("connection terminated after {} s: sent {} bytes, received {} bytes", secs,
                t.bytes_out, t.bytes_in);
  }
}

void Client::on_link_timer() {
  if (stage_ != Stage::kLink) return;
  call_->on_timer(loop_.now());
  deliver_released();
  if (stage_ == Stage::kLink) service_link();
}

// ---- data path ----

void Client::on_gre_datagram(session::GreDatagram& g) {
  if (stage_ != Stage::kLink || g.header.call_id != our_call_id_ || g.src != server_) {
    stats_.gre_wrong_call++;
    return;
  }
  gre_seen_ = true;
  ByteView ip = call_->receive(g.header, g.payload, loop_.now());
  if (!ip.empty()) deliver_ip(ip);
  deliver_released();
  if (stage_ == Stage::kLink) service_link();
}

// An ICMP error (or our host's refusal of a DF probe) about GRE we sent.
void Client::on_gre_error(const session::PathError& e) {
  if (stage_ != Stage::kLink || !call_ || e.peer != server_) return;
  call_->on_path_error(e, loop_.now());
  if (stage_ == Stage::kLink) service_link();
}

void Client::deliver_ip(ByteView ip) {
  if (!ip_up_ || !ppp_if_) {
    stats_.data_before_up++;
    return;
  }
  if (!ppp_if_->write(ip)) stats_.tun_dropped++;
}

// Packets out of the reorder window, in order; a frame can end the link.
void Client::deliver_released() {
  Time now = loop_.now();
  while (stage_ == Stage::kLink) {
    ByteView ip = call_->next_released(now);
    if (ip.empty()) break;
    deliver_ip(ip);
  }
}

void Client::on_tun_readable() {
  if (!ppp_if_ || stage_ != Stage::kLink || !gre_) return;
  gre_->send_from(*ppp_if_, *call_, server_, Ipv4{}, loop_.now());
  service_link();
}

}  // namespace pptpx::client

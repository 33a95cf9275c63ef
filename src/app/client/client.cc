#include "app/client/client.h"

#include "base/overloaded.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <utility>

#include "app/common/rx_health.h"
#include "base/ct.h"
#include "config/ppp_options.h"
#include "config/secrets.h"
#include "io/pidfile.h"
#include "proto/ppp/dump.h"
#include "proto/ppp/frame.h"
#include "proto/ppp/protocols.h"

namespace pptpx::client {

namespace {

constexpr uint16_t kPptpPort = 1723;
constexpr const char* kProcNetRoute = "/proc/net/route";
constexpr uint16_t kRecvWindow = 64;
// LCP Terminate-Request retries take max-terminate x restart (2 x 3 s by
// default); past this the call is cleared anyway.
constexpr Duration kLcpCloseGrace = seconds(7);
// ip-up still running at ip-down time: how long ip-down waits for it.
constexpr Duration kScriptWait = seconds(10);
// pppd waits for ip-pre-up without a limit; the loop is blocked meanwhile,
// so a hung script must not freeze the link for ever.
constexpr Duration kPreUpWait = seconds(60);


}  // namespace

Client::Client(io::EventLoop& loop, Settings settings, Ipv4 server, LogSink& sink, Rng& rng,
               io::ScriptRunner& scripts, std::function<void(int)> done)
    : loop_(loop),
      settings_(std::move(settings)),
      server_(server),
      sink_(sink),
      log_(sink),
      rng_(rng),
      done_(std::move(done)),
      scripts_(scripts),
      rx_memory_(io::kMaxBatch * kBufferSize),
      tx_memory_(io::kMaxBatch * kBufferSize) {
  for (size_t i = 0; i < io::kMaxBatch; ++i)
    rx_batch_.set_buffer(i, MutableByteView(&rx_memory_[i * kBufferSize], kBufferSize));
  while (our_call_id_ == 0) our_call_id_ = rng_.u16();
}

Client::~Client() {
  for (auto id : deferred_) loop_.cancel_timer(id);
  if (call_timer_) loop_.cancel_timer(call_timer_);
  if (control_timer_) loop_.cancel_timer(control_timer_);
  if (hangup_timer_) loop_.cancel_timer(hangup_timer_);
  if (tcp_.is_open()) {
    loop_.remove(tcp_.fd());
    tcp_.close();
  }
  if (gre_) loop_.remove(gre_->fd());
  if (tun_) {
    loop_.remove(tun_->fd());
    tun_->close();
  }
}

void Client::defer(std::function<void()> fn) {
  // Fired ids stay in the list (a few per attempt): cancelling one is harmless.
  deferred_.push_back(loop_.add_timer_after(Duration::zero(), std::move(fn)));
}

void Client::log_stats() const {
  const ClientStats& t = stats_;
  session::DataPathStats d = dp_ ? dp_->stats() : session::DataPathStats{};
  log_.info(
      "stats: GRE dropped: not-gre {} malformed {} wrong-call {} sequence {} | PPP malformed {} "
      "| MPPE dropped {} not-ip {} | clear IP dropped {} | out: not-ipv4 {} no-mppe {} | data "
      "before up {} | tun dropped {} | {} | {}",
      t.ingress.not_gre, t.ingress.malformed, t.gre_wrong_call, d.gre_duplicates, d.ppp_malformed,
      d.mppe_dropped, d.mppe_not_ip, d.clear_ip_dropped, d.out_not_ipv4, d.out_no_mppe,
      t.data_before_up, t.tun_dropped, session::describe_gre(d), session::describe_mppe(d));
}

std::error_code Client::start() {
  auto nl = io::Netlink::open();
  if (!nl) return nl.error();
  netlink_ = std::move(nl.value());
  // The route to the server as it is before the tunnel can change it: the
  // host route kept outside the tunnel under defaultroute copies it.
  if (auto r = netlink_->get_route(server_)) server_route_ = *r;

  io::GreSocket::Options go;
  if (settings_.pty.localbind) go.local = *settings_.pty.localbind;
  auto g = io::GreSocket::open(go);
  if (!g) return g.error();
  gre_ = std::move(g.value());
  if (auto ec = loop_.add(gre_->fd(), io::kReadable, [this](uint32_t) { on_gre_readable(); }))
    return ec;

  auto t = io::TcpConnection::connect({server_, kPptpPort}, settings_.pty.localbind);
  if (!t) {
    // Unreachable at once (no route, ...): a failed connect, like a refused one.
    std::error_code ec = t.error();
    defer([this, ec] {
      fail(kExitConnectFailed,
           fmt::format("cannot connect to {} port {}: {}", server_.str(), kPptpPort, ec.message()));
    });
    return {};
  }
  tcp_ = std::move(t.value());
  if (auto ec = loop_.add(tcp_.fd(), io::kWritable, [this](uint32_t ev) { on_tcp_event(ev); }))
    return ec;
  log_.notice("connecting to {} ({}) port {}", settings_.pty.host, server_.str(), kPptpPort);
  return {};
}

// ---- control connection ----

void Client::on_tcp_event(uint32_t ev) {
  Time now = loop_.now();
  if (!tcp_connected_) {
    if (auto ec = tcp_.finish_connect()) {
      loop_.remove(tcp_.fd());
      tcp_.close();
      fail(kExitConnectFailed,
           fmt::format("cannot connect to {} port {}: {}", server_.str(), kPptpPort, ec.message()));
      return;
    }
    tcp_connected_ = true;
    tcp_.set_nodelay(true);
    log_.info("CTRL: connected to {}", server_.str());
    pptp::ClientControlConfig cfg;
    cfg.host_name = settings_.pty.client_hostname.empty() ? "local" : settings_.pty.client_hostname;
    cfg.vendor = "pptpx";
    cfg.reply_timeout = seconds(20);
    if (settings_.pty.idle_wait) cfg.echo_interval = seconds(*settings_.pty.idle_wait);
    if (settings_.pty.max_echo_wait) cfg.echo_timeout = seconds(*settings_.pty.max_echo_wait);
    control_ = std::make_unique<pptp::ClientControl>(cfg, log_.child("CTRL"), now);
    control_->start(now);
    pptp::CallParams p;
    p.call_id = our_call_id_;
    p.serial = rng_.u16();
    p.recv_window = kRecvWindow;
    p.phone = settings_.pty.phone;
    control_->place_call(p, now);
    if (hanging_up_) control_->hangup(now);
    service_control();
    return;
  }
  if (ev & io::kWritable) {
    if (auto ec = tcp_.flush()) {
      log_.warn("CTRL: write error: {}", ec.message());
      ev |= io::kHangup;
    }
  }
  if (ev & (io::kReadable | io::kHangup | io::kError)) {
    uint8_t buf[4096];
    for (int i = 0; i < 16; ++i) {
      auto r = tcp_.read(MutableByteView(buf, sizeof buf));
      if (!r && io::would_block(r.error())) break;
      if (!r || *r == 0) {
        log_.notice("CTRL: the server closed the control connection{}",
                    r ? "" : ": " + r.error().message());
        loop_.remove(tcp_.fd());
        tcp_.close();
        if (control_ && !control_->closed() && !hanging_up_ && !status_) status_ = kExitHangup;
        end_session(kExitHangup);
        maybe_finish();
        return;
      }
      control_->on_bytes(ByteView(buf, *r), now);
      if (control_->closed()) break;
    }
  }
  service_control();
}

void Client::service_control() {
  if (!control_) return;
  while (auto ev = control_->poll_event()) {
    std::visit(Overloaded{
                   [&](pptp::Established& e) {
                     log_.info("CTRL: control connection established with '{}' ({}, firmware {})",
                               e.peer_host_name, e.peer_vendor, e.peer_firmware_revision);
                   },
                   [&](pptp::CallConnected& c) {
                     log_.info("CTRL: call {} connected: server call ID {}, window {}, {} bps",
                               c.our_call_id, c.peer_call_id, c.recv_window, c.connect_speed);
                     if (!ppp_ && !hanging_up_) start_session(c.peer_call_id, c.recv_window);
                   },
                   [&](pptp::CallRejected& r) {
                     fail(kExitConnectFailed,
                          fmt::format("CTRL: the server refused the call: result {} error {}",
                                      r.result, r.error));
                   },
                   [&](pptp::CallDisconnected& d) {
                     log_.notice("CTRL: call disconnected by the server: result {} error {} "
                                 "cause {} {}",
                                 d.result, d.error, d.cause, d.statistics);
                     end_session(kExitHangup);
                     if (control_ && !control_->closed()) control_->hangup(loop_.now());
                   },
                   [&](pptp::Closed& c) { log_.info("CTRL: control connection closed: {}", c.reason); },
                   [&](auto&) {},
               },
               *ev);
  }
  if (!tcp_.is_open()) {
    maybe_finish();
    return;
  }
  Bytes out = control_->take_output();
  if (!out.empty()) {
    if (auto ec = tcp_.write(out)) log_.warn("CTRL: write error: {}", ec.message());
  }
  if (control_->closed()) {
    // Calls cannot outlive their control connection.
    end_session(kExitHangup);
    tcp_.close_after_flush();
  }
  if (tcp_.should_close() || (control_->closed() && !tcp_.want_write())) {
    loop_.remove(tcp_.fd());
    tcp_.close();
    loop_.cancel_timer(control_timer_);
    control_timer_ = 0;
    maybe_finish();
    return;
  }
  loop_.modify(tcp_.fd(), tcp_.want_write() ? (io::kReadable | io::kWritable) : uint32_t{io::kReadable});
  arm_control_timer();
}

void Client::arm_control_timer() {
  Time when = control_->next_deadline();
  if (when == control_armed_) return;
  control_armed_ = when;
  if (when == kNever) {
    loop_.cancel_timer(control_timer_);
    control_timer_ = 0;
    return;
  }
  loop_.rearm_timer(&control_timer_, when, [this] {
    control_timer_ = 0;
    control_armed_ = kNever;
    control_->on_timer(loop_.now());
    service_control();
  });
}

// ---- PPP session ----

void Client::start_session(uint16_t peer_call_id, uint16_t peer_window) {
  Time now = loop_.now();
  peer_call_id_ = peer_call_id;
  gre::ChannelConfig gc;
  gc.peer_call_id = peer_call_id;
  gc.peer_window = peer_window;
  // pptp --nobuffer turns the reorder window off; --timeout S sets its time.
  if (!settings_.pty.nobuffer) {
    gc.reorder_packets = gre::kDefaultReorderPackets;
    gc.reorder_wait = settings_.pty.reorder_timeout.value_or(gre::kDefaultReorderWait);
  }
  dp_ = std::make_unique<session::DataPath>(gc);
  dp_->set_mppe_required(settings_.session.mppe.required);
  ppp_ = std::make_unique<ppp::Session>(settings_.session, rng_, log_, now);
  ppp_->open(now);
  service_session();
}

void Client::service_session() {
  if (!ppp_ || session_over_) return;
  for (int guard = 0; guard < 64; ++guard) {
    bool progress = false;
    if (auto req = ppp_->pending_secret_request()) {
      answer_secret(*req);
      progress = true;
    }
    for (const Bytes& f : ppp_->take_frames()) send_control_frame(f);
    while (auto ev = ppp_->poll_event()) {
      progress = true;
      handle_session_event(*ev);
      if (session_over_) {
        flush_gre();
        return;
      }
    }
    for (const Bytes& f : ppp_->take_frames()) send_control_frame(f);
    if (!progress) break;
  }
  flush_gre();
  arm_call_timer();
}

void Client::answer_secret(const ppp::SecretRequest& req) {
  Time now = loop_.now();
  // Verifying the server (pppd `auth`/`require-*`) reads the line "server-name
  // our-name secret", as pppd's chap_verify_response / check_passwd do: never
  // `password`, and it is no retry of ours.
  bool ours = req.side == ppp::AuthSide::kUs;
  if (ours) {
    // A second question means the server refused our secret and offers a
    // retry: like pppd, do not try the same password again.
    if (secret_answered_) {
      log_.debug("not retrying authentication with the same secret");
      ppp_->provide_secret(std::nullopt, now);
      return;
    }
    secret_answered_ = true;
    if (settings_.ppp.password) {
      ppp_->provide_secret(*settings_.ppp.password, now);
      return;
    }
  }
  // As pppd: PAP reads pap-secrets, the CHAP family chap-secrets.
  const std::string& path = req.protocol == ppp::AuthProtocol::kPap
                                ? settings_.flags.pap_secrets_path
                                : settings_.flags.chap_secrets_path;
  config::SecretsFile secrets = config::load_secrets(path);
  for (const auto& d : secrets.diagnostics)
    if (d.is_error) log_.warn("{}", d.str());
  auto entry = config::find_secret(secrets.entries, req.client, req.server);
  for (auto& e : secrets.entries) secure_zero(e.secret);
  if (entry) {
    ppp_->provide_secret(entry->secret, now);
    secure_zero(entry->secret);
    return;
  }
  if (ours)
    log_.error("no secret found for authenticating us ('{}') to '{}' in {}", req.client,
               req.server, path);
  else
    log_.error("no secret found for authenticating the server ('{}') as '{}' in {}", req.client,
               req.server, path);
  ppp_->provide_secret(std::nullopt, now);
}

void Client::handle_session_event(ppp::SessionEvent& ev) {
  std::visit(
      Overloaded{
          [&](ppp::event::LinkUp&) {
            dp_->set_framing(ppp_->tx_acfc(), ppp_->tx_pfc());
            // A new LCP negotiation is a new authentication phase: pppd
            // answers the server's challenge again with the same secret.
            secret_answered_ = false;
            log_.debug("LCP is up");
          },
          [&](ppp::event::Authenticated& a) {
            if (a.side == ppp::AuthSide::kPeer) {
              log_.notice("server '{}' authenticated with {}", a.peer_name,
                          ppp::auth_protocol_name(a.protocol));
              return;
            }
            log_.notice("authenticated to the server as '{}' with {}", a.peer_name,
                        ppp::auth_protocol_name(a.protocol));
          },
          [&](ppp::event::AuthFailed& f) {
            if (f.side == ppp::AuthSide::kPeer) {
              // pppd EXIT_PEER_AUTH_FAILED: refused in LCP or failed our challenge.
              status_ = kExitPeerAuthFailed;
              log_.error("the server failed to authenticate itself: {}", f.reason);
              return;
            }
            status_ = kExitAuthToPeerFailed;
            log_.error("authentication to the server failed: {}", f.reason);
          },
          [&](ppp::event::CcpUp& up) {
            const auto& k = up.keys;
            bool wide = up.key_bits == 128;
            dp_->start_mppe(wide ? k.send.data() : k.send64.data(),
                            wide ? k.recv.data() : k.recv64.data(),
                            mppe::Settings{up.key_bits, up.stateless});
            log_.notice("MPPE {}-bit {} compression enabled", up.key_bits,
                        up.stateless ? "stateless" : "stateful");
            if (ip_up_) set_interface_mtu();
          },
          [&](ppp::event::CcpDown&) {
            dp_->stop_mppe();
            log_.info("MPPE disabled");
          },
          [&](ppp::event::ResetRequested&) { dp_->request_flush(); },
          [&](ppp::event::IpUp& up) { on_ip_up(up); },
          [&](ppp::event::IpDown& d) { on_ip_down(d.renegotiating && !hanging_up_); },
          [&](ppp::event::Ipv6Up&) {},
          [&](ppp::event::Ipv6Down&) {},
          [&](ppp::event::EchoTimeout&) {
            if (!status_) status_ = kExitPeerDead;
            // pppd's words, which log watchers and forum answers grep for.
            log_.notice("Serial link appears to be disconnected.");
          },
          [&](ppp::event::Finished& f) {
            log_.info("LCP terminated: {}", f.reason.empty() ? "link closed" : f.reason);
            end_session(hanging_up_ ? kExitOk
                                    : (ip_up_ || status_ ? kExitHangup : kExitNegotiationFailed));
            if (control_ && !control_->closed()) {
              control_->hangup(loop_.now());
              defer([this] { service_control(); });
            }
          },
      },
      ev);
}

void Client::set_interface_mtu() {
  if (!tun_) return;
  int mtu = std::min<int>(settings_.mtu, ppp_->peer_mru());
  if (dp_ && dp_->mppe_active()) mtu -= 4;  // MPPE header and inner protocol, as pppd does
  if (auto ec = netlink_->set_mtu(tun_->ifindex(), mtu))
    log_.warn("{}: cannot set MTU {}: {}", tun_->name(), mtu, ec.message());
}

void Client::on_ip_up(const ppp::event::IpUp& up) {
  local_ip_ = up.local;
  remote_ip_ = up.remote;
  if (settings_.usepeerdns) {
    dns1_ = up.dns1;
    dns2_ = up.dns2;
  }
  if (settings_.usepeerwins) {
    wins1_ = up.wins1;
    wins2_ = up.wins2;
  }
  if (tun_) {
    // The link was renegotiated: the interface stayed, with its routes.
    reuse_interface(up);
    return;
  }
  auto tun = io::TunDevice::create(settings_.unit);
  if (!tun && settings_.unit) {
    // pppd: "unit N" is a wish; a taken unit falls back to the next free one.
    log_.warn("cannot use ppp{}: {}; taking the next free unit", *settings_.unit,
              tun.error().message());
    tun = io::TunDevice::create();
  }
  if (!tun) {
    log_.error("cannot create a TUN interface: {}", tun.error().message());
    status_ = kExitFatal;
    ppp_->close("No interface", loop_.now());
    return;
  }
  tun_ = std::move(tun.value());
  io::TunDevice& t = *tun_;
  log_.notice("using interface {}", t.name());
  if (auto ec = netlink_->add_address_ptp(t.ifindex(), up.local, up.remote))
    log_.warn("cannot set addresses: {}", ec.message());
  set_interface_mtu();
  if (auto ec = t.disable_ipv6()) log_.debug("cannot disable IPv6: {}", ec.message());
  // pppd runs ip-pre-up with the addresses set and the interface still
  // down, and waits for it.
  run_script(settings_.ip_pre_up_script, Script::kPreUp);
  if (auto ec = netlink_->set_link_up(t.ifindex(), true))
    log_.warn("cannot bring the interface up: {}", ec.message());
  loop_.add(t.fd(), io::kReadable, [this](uint32_t) { on_tun_readable(); });
  ip_up_ = true;
  link_was_up_ = true;
  ip_up_at_ = loop_.now();
  log_.notice("local  IP address {}", up.local.str());
  log_.notice("remote IP address {}", up.remote.str());
  if (dns1_) log_.notice("primary   DNS address {}", dns1_->str());
  if (dns2_) log_.notice("secondary DNS address {}", dns2_->str());
  if (wins1_) log_.notice("primary   WINS address {}", wins1_->str());
  if (wins2_) log_.notice("secondary WINS address {}", wins2_->str());
  add_routes();
  if (settings_.usepeerdns && (dns1_ || dns2_)) {
    std::string text = resolv_conf_text(dns1_, dns2_);
    std::ofstream out(settings_.flags.resolv_conf_path, std::ios::trunc);
    out << text;
    if (!out) log_.warn("cannot write {}", settings_.flags.resolv_conf_path);
    else chmod(settings_.flags.resolv_conf_path.c_str(), 0644);
  }
  write_pid_files();
  run_script(settings_.ip_up_script, Script::kUp);
  if (link_up_cb_) {
    auto cb = std::move(link_up_cb_);
    link_up_cb_ = nullptr;
    cb();
  }
}

void Client::reuse_interface(const ppp::event::IpUp& up) {
  if (auto ec = netlink_->replace_address_ptp(tun_->ifindex(), local_ip_, remote_ip_, up.local,
                                              up.remote))
    log_.warn("cannot set addresses: {}", ec.message());
  local_ip_ = up.local;
  remote_ip_ = up.remote;
  set_interface_mtu();
  ip_up_ = true;
  log_.notice("{} up again after renegotiation: local {} remote {}", tun_->name(), up.local.str(),
              up.remote.str());
  run_script(settings_.ip_up_script, Script::kUp);
}

void Client::add_routes() {
  if (!settings_.defaultroute || !tun_) return;
  std::optional<DefaultRoute> existing;
  config::FileReadResult table = config::read_whole_file(kProcNetRoute);
  if (table.contents) existing = parse_default_route(*table.contents, tun_->name());
  if (existing && !settings_.replacedefaultroute) {
    // pppd leaves any existing default route alone, whatever its metric;
    // then there is nothing for a host route to the server to protect.
    if (existing->gateway.is_zero())
      log_.warn("not replacing existing default route through {}", existing->ifname);
    else
      log_.warn("not replacing existing default route via {}", existing->gateway.str());
    return;
  }
  if (!settings_.pty.nohostroute && server_route_ && server_route_->ifindex != 0) {
    io::Route host;
    host.dst = server_;
    host.prefix_len = 32;
    host.ifindex = server_route_->ifindex;
    host.gateway = server_route_->gateway;
    if (auto ec = netlink_->add_route(host)) {
      if (ec != std::errc::file_exists)
        log_.warn("cannot add the host route to {}: {}", server_.str(), ec.message());
    } else {
      host_route_added_ = true;
    }
  }
  if (settings_.replacedefaultroute) {
    replaced_route_ = existing;
    if (replaced_route_)
      // Debian's pppd words (its replacedefaultroute patch).
      log_.info("replacing old default route to {} [{}] (metric {})", replaced_route_->ifname,
                replaced_route_->gateway.str(), replaced_route_->metric);
  }
  io::Route def;
  def.dst = Ipv4{};
  def.prefix_len = 0;
  def.ifindex = tun_->ifindex();
  if (auto ec = netlink_->add_route(def, settings_.replacedefaultroute)) {
    replaced_route_.reset();
    if (ec == std::errc::file_exists)
      log_.warn("not replacing the existing default route (use replacedefaultroute)");
    else
      log_.warn("cannot add the default route: {}", ec.message());
    return;
  }
  default_route_added_ = true;
  log_.notice("default route set via {}", tun_->name());
}

void Client::remove_routes() {
  if (default_route_added_ && tun_) {
    io::Route def;
    def.prefix_len = 0;
    def.ifindex = tun_->ifindex();
    netlink_->del_route(def);
  }
  default_route_added_ = false;
  restore_default_route();
  if (host_route_added_ && server_route_) {
    io::Route host;
    host.dst = server_;
    host.prefix_len = 32;
    host.ifindex = server_route_->ifindex;
    host.gateway = server_route_->gateway;
    if (auto ec = netlink_->del_route(host))
      log_.debug("host route to {}: {}", server_.str(), ec.message());
  }
  host_route_added_ = false;
}

void Client::restore_default_route() {
  if (!replaced_route_) return;
  DefaultRoute old = *replaced_route_;
  replaced_route_.reset();
  io::Route r;
  r.dst = Ipv4{};
  r.prefix_len = 0;
  r.ifindex = io::interface_index(old.ifname);
  r.gateway = old.gateway;
  r.metric = old.metric;
  if (r.ifindex == 0) {
    log_.warn("cannot restore the default route: interface {} is gone", old.ifname);
    return;
  }
  // EEXIST: ours had another metric, so the old one was never removed.
  if (auto ec = netlink_->add_route(r); ec && ec != std::errc::file_exists)
    log_.warn("cannot restore the default route via {}: {}", old.ifname, ec.message());
  else
    log_.notice("restoring old default route to {} [{}]", old.ifname, old.gateway.str());
}

void Client::write_pid_files() {
  if (!tun_) return;
  std::string unit_file = settings_.flags.run_dir + "/" + tun_->name() + ".pid";
  if (auto ec = io::write_pidfile(unit_file)) log_.warn("cannot write {}: {}", unit_file, ec.message());
  else pid_files_.push_back(unit_file);
  if (settings_.linkname) {
    // pppd: the pid, then the interface name.
    std::string link_file = settings_.flags.run_dir + "/ppp-" + *settings_.linkname + ".pid";
    std::ofstream out(link_file, std::ios::trunc);
    out << getpid() << "\n" << tun_->name() << "\n";
    if (!out) log_.warn("cannot write {}", link_file);
    else pid_files_.push_back(link_file);
  }
}

void Client::remove_pid_files() {
  for (const auto& f : pid_files_) io::remove_pidfile(f);
  pid_files_.clear();
}

void Client::run_script(const std::string& path, Script which) {
  bool down = which == Script::kDown;
  std::string ifname = tun_ ? tun_->name() : "";
  std::vector<std::string> args = {path, ifname, ifname, std::to_string(settings_.speed),
                                   local_ip_.str(), remote_ip_.str()};
  if (settings_.ipparam) args.push_back(*settings_.ipparam);
  std::vector<std::string> env = {
      "IFNAME=" + ifname, "DEVICE=" + ifname, "SPEED=" + std::to_string(settings_.speed),
      "IPLOCAL=" + local_ip_.str(), "IPREMOTE=" + remote_ip_.str(), "PPPLOGNAME=root",
      "ORIG_UID=" + std::to_string(getuid()), "PPPD_PID=" + std::to_string(getpid()),
      "UNIT=" + (ifname.size() > 3 ? ifname.substr(3) : std::string("0")),
      "CALL_FILE=" + settings_.flags.call_name};
  if (!peer_name_.empty()) env.push_back("PEERNAME=" + peer_name_);
  if (settings_.linkname) env.push_back("LINKNAME=" + *settings_.linkname);
  if (settings_.ipparam) env.push_back("IPPARAM=" + *settings_.ipparam);
  if (dns1_) env.push_back("DNS1=" + dns1_->str());
  if (dns2_) env.push_back("DNS2=" + dns2_->str());
  if (settings_.usepeerdns && (dns1_ || dns2_)) env.push_back("USEPEERDNS=1");
  if (wins1_) env.push_back("WINS1=" + wins1_->str());
  if (wins2_) env.push_back("WINS2=" + wins2_->str());
  if (settings_.usepeerwins && (wins1_ || wins2_)) env.push_back("USEPEERWINS=1");
  if (down) {
    auto secs = std::chrono::duration_cast<seconds>(loop_.now() - ip_up_at_).count();
    env.push_back("CONNECT_TIME=" + std::to_string(secs));
    env.push_back("BYTES_SENT=" + std::to_string(bytes_out_));
    env.push_back("BYTES_RCVD=" + std::to_string(bytes_in_));
  }
  if (access(path.c_str(), X_OK) != 0) return;  // pppd: a missing script is not an error
  if (down && ip_up_pid_ > 0 && scripts_.is_running(ip_up_pid_)) {
    // ip-down only after ip-up, as with pppd; this is teardown, so waiting
    // here holds up nothing that still matters.
    log_.debug("ip-down waits for ip-up (pid {})", ip_up_pid_);
    if (!scripts_.wait(ip_up_pid_, kScriptWait)) log_.warn("ip-up still running; running ip-down");
  }
  auto pid = scripts_.spawn(path, args, env, [this, path](pid_t p, io::ExitStatus st) {
    log_.debug("script {} finished (pid {}), status {}", path, p, st.exited ? st.code : -st.signal);
    defer([this] { maybe_finish(); });
  });
  if (!pid) {
    log_.warn("script {} failed to start: {}", path, pid.error().message());
    return;
  }
  if (*pid == 0) return;
  log_.debug("script {} started (pid {})", path, *pid);
  if (which == Script::kUp) ip_up_pid_ = *pid;
  if (which == Script::kPreUp) {
    // pppd waits as long as it takes; its exit status does not matter.
    if (!scripts_.wait(*pid, kPreUpWait))
      log_.warn("{} still running after {} s; going on", path,
                std::chrono::duration_cast<seconds>(kPreUpWait).count());
  }
}

void Client::on_ip_down(bool keep_interface) {
  // Routes go before ip-down runs, as with pppd; a renegotiation keeps
  // them, and a teardown after one finds them still there.
  if (!keep_interface) remove_routes();
  if (ip_up_) {
    ip_up_ = false;
    run_script(settings_.ip_down_script, Script::kDown);
  }
  if (keep_interface) {
    if (tun_) log_.info("link renegotiating; {} kept", tun_->name());
    return;
  }
  remove_pid_files();
  if (tun_) {
    loop_.remove(tun_->fd());
    log_.info("interface {} removed", tun_->name());
    tun_->close();
    tun_.reset();
  }
}

void Client::end_session(int status) {
  if (session_over_) return;
  session_over_ = true;
  if (status_ == kExitOk && !hanging_up_) status_ = status;
  on_ip_down(false);
  if (dp_) dp_->stop_mppe();
  if (call_timer_) loop_.cancel_timer(call_timer_);
  call_timer_ = 0;
  if (hangup_timer_) loop_.cancel_timer(hangup_timer_);
  hangup_timer_ = 0;
  if (ppp_) {
    auto secs = std::chrono::duration_cast<seconds>(loop_.now() - ip_up_at_).count();
    if (ip_up_at_ != Time{})
      log_.notice("connection terminated after {} s: sent {} bytes, received {} bytes", secs,
                  bytes_out_, bytes_in_);
  }
}

void Client::fail(int status, const std::string& why) {
  log_.error("{}", why);
  if (status_ == kExitOk) status_ = status;
  end_session(status);
  if (control_ && !control_->closed()) {
    control_->hangup(loop_.now());
    service_control();
  }
  maybe_finish();
}

void Client::hangup() {
  if (hanging_up_) return;
  hanging_up_ = true;
  Time now = loop_.now();
  if (ppp_ && !session_over_) {
    ppp_->close("User request", now);
    service_session();
    if (!session_over_) {
      hangup_timer_ = loop_.add_timer_after(kLcpCloseGrace, [this] {
        hangup_timer_ = 0;
        log_.warn("no LCP Terminate-Ack from the server, clearing the call");
        end_session(kExitOk);
        if (control_ && !control_->closed()) {
          control_->hangup(loop_.now());
          service_control();
        }
      });
    }
    return;
  }
  end_session(kExitOk);
  if (control_ && !control_->closed()) {
    control_->hangup(now);
    service_control();
  } else if (!control_ && tcp_.is_open()) {
    loop_.remove(tcp_.fd());
    tcp_.close();
  }
  maybe_finish();
}

void Client::maybe_finish() {
  if (finished_) return;
  if (tcp_.is_open() || (ppp_ && !session_over_) || scripts_.running() > 0) return;
  finished_ = true;
  end_session(status_);
  remove_pid_files();
  if (control_timer_) loop_.cancel_timer(control_timer_);
  control_timer_ = 0;
  if (gre_) {
    loop_.remove(gre_->fd());
    gre_.reset();
  }
  int status = status_;
  auto done = done_;
  loop_.add_timer_after(Duration::zero(), [done, status] { done(status); });
}

void Client::arm_call_timer() {
  if (!ppp_ || session_over_) return;
  Time when = earliest(ppp_->next_deadline(), dp_->next_deadline());
  // Only move the timer earlier (see the server): no re-arming per packet.
  if (when == kNever || (call_timer_ && call_armed_ <= when)) return;
  call_armed_ = when;
  loop_.rearm_timer(&call_timer_, when, [this] { on_call_timer(); });
}

void Client::on_call_timer() {
  call_timer_ = 0;
  call_armed_ = kNever;
  if (!ppp_ || session_over_) return;
  Time now = loop_.now();
  if (tx_batch_.full()) flush_gre();
  ByteView ack = dp_->ack_only(&tx_memory_[tx_used_ * kBufferSize], now);
  if (!ack.empty()) queue_gre(ack);
  if (dp_->take_reset_request(now)) ppp_->send_reset_request(now);
  deliver_released();
  if (session_over_) return;
  ppp_->on_timer(now);
  service_session();
}

// ---- data path ----

void Client::send_control_frame(const Bytes& frame) {
  if (log_.enabled(LogLevel::kDebug)) {
    if (auto f = ppp::parse_frame(frame))
      log_.debug("sent {}", ppp::describe_packet(f->protocol, f->info));
  }
  if (tx_batch_.full()) flush_gre();
  ByteView pkt =
      dp_->frame_control(&tx_memory_[tx_used_ * kBufferSize], kBufferSize, frame, loop_.now());
  if (!pkt.empty()) queue_gre(pkt);
}

// pkt lies in the current tx slot.
void Client::queue_gre(ByteView pkt) {
  if (tx_batch_.add(server_, pkt)) tx_used_++;
  if (tx_batch_.full()) flush_gre();
}

void Client::flush_gre() {
  if (tx_batch_.size() && gre_) gre_->send_batch(tx_batch_);
  tx_batch_.clear();
  tx_used_ = 0;
}

void Client::on_gre_readable() {
  for (int round = 0; round < 8 && gre_; ++round) {
    auto n = gre_->recv_batch(rx_batch_);
    if (!n || *n == 0) break;
    for (size_t i = 0; i < *n; ++i) {
      MutableByteView p = rx_batch_.packet(i);
      on_gre_packet(p.data(), p.size());
    }
    if (*n < io::kMaxBatch) break;
  }
  flush_gre();
}

void Client::on_gre_packet(uint8_t* data, size_t len) {
  auto g = session::parse_gre_datagram(ByteView(data, len), stats_.ingress, log_);
  if (!g) return;
  if (!ppp_ || session_over_ || g->packet.header.call_id != our_call_id_ || g->src != server_) {
    stats_.gre_wrong_call++;
    return;
  }
  if (dp_->on_gre(g->packet.header, g->packet.payload, loop_.now())) {
    size_t off = static_cast<size_t>(g->packet.payload.data() - data);
    on_ppp_frame(MutableByteView(data + off, g->packet.payload.size()));
  }
  deliver_released();
  arm_call_timer();
}

// Packets out of the reorder window, in order; a frame can end the session.
void Client::deliver_released() {
  Time now = loop_.now();
  while (ppp_ && !session_over_) {
    auto p = dp_->take_released(now);
    if (!p) break;
    on_ppp_frame(*p);
  }
}

void Client::on_ppp_frame(MutableByteView frame) {
  Time now = loop_.now();
  session::DataPath::Inbound in = dp_->on_frame(frame, now);
  if (dp_->too_many_mppe_errors()) {
    log_.warn("too many MPPE errors, closing LCP");
    ppp_->close("Too many MPPE errors", now);
    service_session();
    return;
  }
  if (app::act_on_rx_health(*dp_, *ppp_, log_, now)) {
    service_session();
    return;
  }
  if (dp_->take_reset_request(now)) {
    ppp_->send_reset_request(now);
    for (const Bytes& f : ppp_->take_frames()) send_control_frame(f);
  }
  switch (in.kind) {
    case session::DataPath::Inbound::kIp:
      deliver_ip(in.data);
      return;
    case session::DataPath::Inbound::kControl:
      if (log_.enabled(LogLevel::kDebug))
        log_.debug("rcvd {}", ppp::describe_packet(in.protocol, in.data));
      ppp_->on_control(in.protocol, in.data, now);
      service_session();
      return;
    case session::DataPath::Inbound::kDropped:
      log_.debug("packet dropped: {}", in.reason);
      return;
  }
}

void Client::deliver_ip(ByteView ip) {
  if (!ip_up_ || !tun_ || !ppp_->data_allowed()) {
    stats_.data_before_up++;
    return;
  }
  if (tun_->write(ip)) {
    stats_.tun_dropped++;
    return;
  }
  bytes_in_ += ip.size();
}

void Client::on_tun_readable() {
  Time now = loop_.now();
  for (int i = 0; i < 64 && tun_ && !session_over_; ++i) {
    if (tx_batch_.full()) flush_gre();
    uint8_t* base = &tx_memory_[tx_used_ * kBufferSize];
    auto r = tun_->read(MutableByteView(base, kBufferSize), session::kHeadroom);
    if (!r || *r == 0) break;
    if (!ppp_->data_allowed()) {
      stats_.data_before_up++;
      continue;
    }
    ByteView pkt = dp_->frame_ip(base, *r, now);
    if (pkt.empty()) continue;  // counted by the data path
    bytes_out_ += *r;
    queue_gre(pkt);
  }
  flush_gre();
  arm_call_timer();
}

}  // namespace pptpx::client

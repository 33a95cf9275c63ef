#include "app/server/server.h"

#include "base/overloaded.h"

#include <net/if.h>
#include <unistd.h>

#include <cstring>
#include <utility>

#include "app/common/ppp_settings.h"
#include "app/common/rx_health.h"
#include "base/ct.h"
#include "base/hex.h"
#include "proto/ppp/dump.h"
#include "proto/ppp/frame.h"
#include "io/wtmp.h"
#include "proto/ppp/protocols.h"

namespace pptpx::server {

namespace {

constexpr uint8_t kCdnLostCarrier = 1;
constexpr uint8_t kCdnAdminShutdown = 3;
constexpr uint8_t kOcrpGeneralError = 2;
constexpr uint8_t kErrorNoResource = 4;
constexpr uint8_t kStopGeneral = 1;
constexpr uint8_t kStopLocalShutdown = 3;
// How long LCP waits for the client's first GRE packet (see start_call).
constexpr Duration kLcpStartDelay = milliseconds(100);
// How long a client has to send Call-Clear-Request after PPP is down.
constexpr Duration kClearWait = milliseconds(500);
// Connections accepted per wakeup of the listener: a flood of dial-ins
// must not starve GRE and the running sessions (the socket is level
// triggered, so the rest wait for the next turn of the loop).
constexpr int kAcceptBatch = 64;
// Calls end cleanly within max-terminate x restart; this bounds SIGTERM.
constexpr Duration kShutdownGrace = seconds(10);


}  // namespace

struct Server::Control {
  uint64_t id = 0;
  io::TcpConnection tcp;
  Ipv4 peer;
  Ipv4 local;
  pptp::ServerControl core;
  io::EventLoop::TimerId timer = 0;
  Time armed = kNever;
  std::vector<uint16_t> calls;  // our call IDs
  Logger log;
  bool closing = false;

  Control(uint64_t i, io::TcpConnection t, Ipv4 p, Ipv4 l, const pptp::ServerControlConfig& cfg,
          Logger lg, Time now)
      : id(i), tcp(std::move(t)), peer(p), local(l), core(cfg, lg, now), log(std::move(lg)) {}
};

struct Server::Call {
  Control* control = nullptr;
  uint16_t our_id = 0;
  uint16_t peer_id = 0;
  Ipv4 peer_addr;
  Ipv4 local_addr;  // where the client reached us: our GRE source
  session::DataPath dp;
  ppp::Session ppp;
  size_t slot = 0;
  Ipv4 local_ip, remote_ip;
  std::optional<io::TunDevice> tun;
  pid_t ip_up_pid = 0;
  bool wtmp = false;
  std::optional<Ipv4> proxyarp_on;
  std::string proxyarp_dev;
  unsigned proxyarp_index = 0;
  bool opened = false;  // LCP started
  bool ip_up = false;
  bool ending = false;
  std::string peer_name;
  std::optional<config::SecretEntry> secret_entry;
  Time started;
  Time ip_up_at;
  Time last_data;
  uint64_t bytes_in = 0, bytes_out = 0;
  uint64_t packets_in = 0, packets_out = 0;
  io::EventLoop::TimerId timer = 0;
  Time armed = kNever;
  Logger log;

  Call(Control* c, uint16_t ours, uint16_t peer, const gre::ChannelConfig& gc,
       const ppp::SessionConfig& sc, Rng& rng, Logger lg, Time now)
      : control(c),
        our_id(ours),
        peer_id(peer),
        peer_addr(c->peer),
        local_addr(c->local),
        dp(gc),
        ppp(sc, rng, lg, now),
        started(now),
        last_data(now),
        log(std::move(lg)) {}
};

Server::Server(io::EventLoop& loop, Settings settings, LogSink& sink, Rng& rng)
    : loop_(loop),
      settings_(std::move(settings)),
      sink_(sink),
      log_(sink),
      rng_(rng),
      pool_(settings_.slots),
      scripts_(loop, Logger(sink)),
      by_call_id_(65536, nullptr),
      rx_memory_(io::kMaxBatch * kBufferSize),
      tx_memory_(io::kMaxBatch * kBufferSize) {
  for (size_t i = 0; i < io::kMaxBatch; ++i)
    rx_batch_.set_buffer(i, MutableByteView(&rx_memory_[i * kBufferSize], kBufferSize));
  next_call_id_ = static_cast<uint16_t>(rng_.u16() | 1);
}

Server::~Server() {
  for (auto& [id, call] : calls_) {
    if (call->tun) call->tun->close();
  }
}

std::error_code Server::start() {
  Ipv4 bind = settings_.listen.value_or(Ipv4{});
  // The kernel caps any backlog to net.core.somaxconn: ask for that much
  // unless listen-backlog says otherwise.
  auto somaxconn = io::read_somaxconn();
  int cap = somaxconn ? *somaxconn : SOMAXCONN;
  backlog_ = settings_.conf.listen_backlog.value_or(cap);
  if (backlog_ > cap)
    log_.notice("listen-backlog {} is capped to {} by net.core.somaxconn", backlog_, cap);
  auto l = io::TcpListener::listen({bind, port_}, backlog_);
  if (!l) return l.error();
  listener_ = std::move(l.value());
  if (auto c = io::read_listen_counters()) listen_base_ = *c;
  if (auto ec = loop_.add(listener_->fd(), io::kReadable, [this](uint32_t) { on_accept(); }))
    return ec;

  io::GreSocket::Options go;
  go.local = bind;
  auto g = io::GreSocket::open(go);
  if (!g) return g.error();
  gre_ = std::move(g.value());
  if (auto ec = loop_.add(gre_->fd(), io::kReadable, [this](uint32_t) { on_gre_readable(); }))
    return ec;
  auto nl = io::Netlink::open();
  if (!nl) return nl.error();
  netlink_ = std::move(nl.value());
  if (settings_.ppp.proxyarp.value_or(false)) {
    io::warn_if_ip_forward_disabled(log_);
    remove_stale_proxy_arp();
  }

  for (const auto& n : settings_.notices) log_.notice("{}", n);
  log_.notice("pptpxd listening on {}:{} (backlog {}) with {} address slot(s), name {}",
              bind.str(), port_, std::min(backlog_, cap), pool_.size(), settings_.our_name);
  return {};
}

void Server::remove_stale_proxy_arp() {
  auto entries = netlink_->list_proxy_arp();
  if (!entries) {
    log_.warn("proxyarp: cannot list proxy ARP entries: {}", entries.error().message());
    return;
  }
  for (const io::ProxyArpEntry& e : *entries) {
    if (!pool_.has_remote(e.addr)) continue;
    char name[IF_NAMESIZE] = "?";
    if_indextoname(e.ifindex, name);
    if (auto ec = netlink_->del_proxy_arp(e.ifindex, e.addr))
      log_.warn("proxyarp: cannot remove the stale entry for {} on {}: {}", e.addr.str(), name,
                ec.message());
    else
      log_.notice("proxyarp: removed a stale proxy ARP entry for {} on {} (left by an earlier "
                  "pptpxd that did not stop cleanly?)",
                  e.addr.str(), name);
  }
}

void Server::reload(Settings settings) {
  if (settings.slots.size() != pool_.size())
    log_.warn("localip/remoteip changes need a restart; keeping the current address slots");
  settings.slots = settings_.slots;
  settings_ = std::move(settings);
  log_.notice("configuration re-read; it applies to new sessions");
}

void Server::log_stats() const {
  const ServerStats& t = stats_;
  session::DataPathStats d = t.data_path;
  for (const auto& [id, call] : calls_) d += call->dp.stats();
  log_.info(
      "stats: connections {} (refused {}) calls {} (refused {}) | GRE dropped: not-gre {} "
      "malformed {} unknown-call {} wrong-peer {} sequence {} | PPP malformed {} | MPPE "
      "dropped {} not-ip {} | clear IP dropped {} | out: not-ipv4 {} no-mppe {} | data before "
      "up {} | tun dropped {} | {} | {} | {}",
      t.connections, t.connections_refused, t.calls, t.calls_refused_no_slot, t.ingress.not_gre,
      t.ingress.malformed, t.gre_unknown_call, t.gre_wrong_peer, d.gre_duplicates, d.ppp_malformed,
      d.mppe_dropped, d.mppe_not_ip, d.clear_ip_dropped, d.out_not_ipv4, d.out_no_mppe,
      t.data_before_up, t.tun_dropped, session::describe_gre(d), session::describe_mppe(d),
      describe_listen());
}

std::string Server::describe_listen() const {
  // At exit the listener is already closed (shutdown stops accepting first).
  std::string queue = listener_ ? "?" : "closed";
  if (listener_) {
    if (auto q = listener_->queue_info()) queue = fmt::format("{}/{}", q->queued, q->backlog);
  }
  // TcpExt counters are per network namespace, not per socket: they count
  // every listener here, read now against the value at start.
  std::string overflows = "?";
  if (auto c = io::read_listen_counters(); c && listen_base_)
    overflows = fmt::format("{} drops {}", c->overflows - listen_base_->overflows,
                            c->drops - listen_base_->drops);
  return fmt::format("listen queue {} overflows {} (namespace) accept errors {}", queue,
                     overflows, stats_.accept_errors);
}

// ---- control connections ----

void Server::on_accept() {
  for (int n = 0; n < kAcceptBatch; ++n) {
    auto a = listener_->accept();
    if (!a) {
      if (!io::would_block(a.error())) {
        stats_.accept_errors++;
        log_.warn("accept: {}", a.error().message());
      }
      return;
    }
    if (shutting_down_) continue;  // the Fd closes as it goes out of scope
    // Connections that never place a call cost memory until stimeout ends
    // them: bound how many may wait at once.
    if (controls_.size() >= std::max<size_t>(64, 2 * pool_.size())) {
      stats_.connections_refused++;
      log_.debug("CTRL: too many control connections, refusing {}", a->peer.addr.str());
      continue;
    }
    stats_.connections++;
    io::TcpConnection tcp(std::move(a->fd));
    tcp.set_nodelay(true);
    pptp::ServerControlConfig cfg;
    cfg.host_name = settings_.our_name;
    cfg.vendor = "pptpx";
    cfg.establish_timeout = settings_.stimeout;
    uint64_t id = next_control_id_++;
    Logger lg = log_.child(fmt::format("[{}]", a->peer.addr.str()));
    auto c = std::make_unique<Control>(id, std::move(tcp), a->peer.addr, a->local.addr, cfg, lg,
                                       loop_.now());
    log_.info("CTRL: client {} control connection started", a->peer.addr.str());
    Control* raw = c.get();
    controls_[id] = std::move(c);
    loop_.add(raw->tcp.fd(), io::kReadable, [this, id](uint32_t ev) {
      auto it = controls_.find(id);
      if (it == controls_.end()) return;
      Control& ctl = *it->second;
      if (ev & io::kWritable) {
        ctl.tcp.flush();
      }
      if (ev & (io::kReadable | io::kHangup | io::kError)) {
        on_control_readable(ctl);
        return;
      }
      service_control(ctl);
    });
    arm_control_timer(*raw);
  }
}

void Server::on_control_readable(Control& c) {
  uint8_t buf[4096];
  for (int i = 0; i < 16; ++i) {
    auto r = c.tcp.read(MutableByteView(buf, sizeof buf));
    if (!r) {
      if (io::would_block(r.error())) break;
      c.log.info("CTRL: read error: {}", r.error().message());
      close_control(c);
      return;
    }
    if (*r == 0) {
      c.log.info("CTRL: client closed the control connection");
      close_control(c);
      return;
    }
    c.core.on_bytes(ByteView(buf, *r), loop_.now());
    if (c.core.closed()) break;
  }
  service_control(c);
}

void Server::service_control(Control& c) {
  Time now = loop_.now();
  uint64_t id = c.id;
  while (auto ev = c.core.poll_event()) {
    std::visit(Overloaded{
                   [&](pptp::CallRequested& r) { start_call(c, r); },
                   [&](pptp::CallCleared& r) {
                     c.log.info("CTRL: call {} cleared by the peer", r.peer_call_id);
                     auto it = calls_.find(r.our_call_id);
                     // The core already answered with a Call-Disconnect-Notify; a
                     // client that clears its call usually stops the control
                     // connection next, so wait before stopping it ourselves.
                     if (r.our_call_id && it != calls_.end())
                       end_call(*it->second, 0, false, /*defer_control=*/!shutting_down_);
                   },
                   [&](pptp::LinkInfo& l) {
                     c.log.debug("CTRL: Set-Link-Info send ACCM {:#x} receive ACCM {:#x}",
                                 l.send_accm, l.recv_accm);
                   },
                   [&](pptp::WanError& w) {
                     c.log.info("CTRL: WAN-Error-Notify: crc {} framing {} overrun {} "
                                "buffer {} timeout {} alignment {}",
                                w.crc_errors, w.framing_errors, w.hardware_overruns,
                                w.buffer_overruns, w.time_out_errors, w.alignment_errors);
                   },
                   [&](pptp::Closed& cl) {
                     c.log.info("CTRL: control connection closed: {}", cl.reason);
                   },
                   [&](auto&) {},
               },
               *ev);
    if (!controls_.count(id)) return;
  }
  (void)now;
  Bytes out = c.core.take_output();
  if (!out.empty()) c.tcp.write(out);
  if (c.core.closed()) {
    // Calls cannot outlive their control connection.
    std::vector<uint16_t> ids = c.calls;
    for (uint16_t cid : ids) {
      auto it = calls_.find(cid);
      if (it != calls_.end()) end_call(*it->second, kCdnLostCarrier, false);
    }
    c.tcp.close_after_flush();
  }
  if (c.tcp.should_close() || (c.core.closed() && !c.tcp.want_write())) {
    destroy_control(id);
    return;
  }
  loop_.modify(c.tcp.fd(), c.tcp.want_write() ? (io::kReadable | io::kWritable) : uint32_t{io::kReadable});
  arm_control_timer(c);
}

void Server::arm_control_timer(Control& c) {
  Time when = c.core.next_deadline();
  if (when == c.armed) return;
  c.armed = when;
  if (when == kNever) {
    loop_.cancel_timer(c.timer);
    c.timer = 0;
    return;
  }
  uint64_t id = c.id;
  loop_.rearm_timer(&c.timer, when, [this, id] {
    auto it = controls_.find(id);
    if (it == controls_.end()) return;
    it->second->timer = 0;
    it->second->armed = kNever;
    it->second->core.on_timer(loop_.now());
    service_control(*it->second);
  });
}

void Server::close_control(Control& c) {
  std::vector<uint16_t> ids = c.calls;
  for (uint16_t cid : ids) {
    auto it = calls_.find(cid);
    if (it != calls_.end()) end_call(*it->second, kCdnLostCarrier, false);
  }
  destroy_control(c.id);
}

void Server::destroy_control(uint64_t id) {
  auto it = controls_.find(id);
  if (it == controls_.end()) return;
  Control& c = *it->second;
  for (uint16_t cid : std::vector<uint16_t>(c.calls)) {
    auto ci = calls_.find(cid);
    if (ci != calls_.end()) end_call(*ci->second, kCdnLostCarrier, false);
  }
  if (c.timer) loop_.cancel_timer(c.timer);
  if (c.tcp.is_open()) {
    c.tcp.flush();
    loop_.remove(c.tcp.fd());
    c.tcp.close();
  }
  c.log.info("CTRL: client {} control connection finished", c.peer.str());
  controls_.erase(it);
  maybe_finish_shutdown();
}

// ---- calls ----

uint16_t Server::allocate_call_id() {
  for (int i = 0; i < 65536; ++i) {
    uint16_t id = next_call_id_++;
    if (id != 0 && !by_call_id_[id]) return id;
  }
  return 0;
}

void Server::start_call(Control& c, const pptp::CallRequested& req) {
  Time now = loop_.now();
  auto slot = pool_.acquire();
  uint16_t our_id = slot ? allocate_call_id() : 0;
  if (!slot || our_id == 0 || shutting_down_) {
    if (slot) pool_.release(*slot);
    stats_.calls_refused_no_slot++;
    c.log.warn("CTRL: no free connection slots or IPs, refusing call {}", req.peer_call_id);
    c.core.reject_call(req.peer_call_id, kOcrpGeneralError, kErrorNoResource, now);
    return;
  }
  stats_.calls++;
  gre::ChannelConfig gc;
  gc.peer_call_id = req.peer_call_id;
  gc.peer_window = req.recv_window;
  gc.reorder_packets = settings_.conf.reorder_timeout_ms > 0 ? gre::kDefaultReorderPackets : 0;
  gc.reorder_wait = milliseconds(settings_.conf.reorder_timeout_ms);
  Logger lg = c.log.child(fmt::format("call {}", our_id));
  // pppd auth_reset, per connection: we authenticate ourselves when the
  // client asks only with a secret for our name (else LCP Rejects it).
  ppp::SessionConfig sc = settings_.session;
  sc.auth.reverse = app::own_methods_with_secret(
      settings_.ppp, sc.auth.authenticatee.user, settings_.flags.chap_secrets_path,
      settings_.flags.pap_secrets_path);
  auto call = std::make_unique<Call>(&c, our_id, req.peer_call_id, gc, sc, rng_, lg, now);
  call->slot = *slot;
  call->dp.set_mppe_required(settings_.session.mppe.required);
  call->local_ip = pool_.slot(*slot).local;
  call->remote_ip = pool_.slot(*slot).remote;
  Call& ref = *call;
  calls_[our_id] = std::move(call);
  by_call_id_[our_id] = &ref;
  c.calls.push_back(our_id);
  c.core.accept_call(req.peer_call_id, our_id, req.max_bps, now);
  // The Outgoing-Call-Reply must reach the client before our first LCP
  // packet, or the client drops that packet and LCP waits a restart period.
  if (Bytes out = c.core.take_output(); !out.empty()) c.tcp.write(out);
  ref.log.info("CTRL: starting call (peer call ID {}, window {}), PPP session on {}",
               req.peer_call_id, req.recv_window, c.peer.str());
  // A client can only take GRE for this call once it has read the
  // Outgoing-Call-Reply; a packet that overtakes it is dropped and costs a
  // whole LCP restart period. So LCP starts with the client's first GRE
  // packet, or after a short delay, whichever comes first.
  loop_.add_timer_after(kLcpStartDelay, [this, our_id] {
    if (Call* pending = by_call_id_[our_id]) open_call(*pending);
  });
}

void Server::open_call(Call& call) {
  if (call.opened) return;
  call.opened = true;
  call.ppp.open(loop_.now());
  service_call(call);
}

void Server::service_call(Call& call) {
  uint16_t id = call.our_id;
  Time now = loop_.now();
  for (int guard = 0; guard < 64; ++guard) {
    bool progress = false;
    if (auto req = call.ppp.pending_secret_request()) {
      answer_secret(call, *req);
      progress = true;
    }
    for (const Bytes& f : call.ppp.take_frames()) send_control_frame(call, f);
    while (auto ev = call.ppp.poll_event()) {
      progress = true;
      handle_session_event(call, *ev);
      if (!calls_.count(id)) {
        flush_gre();
        return;
      }
    }
    for (const Bytes& f : call.ppp.take_frames()) send_control_frame(call, f);
    if (!progress) break;
  }
  (void)now;
  flush_gre();
  arm_call_timer(call);
}

void Server::answer_secret(Call& call, const ppp::SecretRequest& req) {
  // pppd keeps PAP passwords in pap-secrets and the CHAP family's in chap-secrets.
  const std::string& path = req.protocol == ppp::AuthProtocol::kPap
                                ? settings_.flags.pap_secrets_path
                                : settings_.flags.chap_secrets_path;
  config::SecretsFile secrets = config::load_secrets(path);
  for (const auto& d : secrets.diagnostics)
    if (d.is_error) call.log.warn("{}", d.str());
  if (req.side == ppp::AuthSide::kUs) {
    // The client asked us to authenticate: "our-name client-name secret".
    std::optional<std::string> secret = settings_.ppp.password;
    if (!secret) {
      if (auto e = config::find_secret(secrets.entries, req.client, req.server)) secret = e->secret;
    }
    for (auto& e : secrets.entries) secure_zero(e.secret);
    if (!secret)
      call.log.warn("no secret for authenticating us ('{}') to '{}'", req.client, req.server);
    call.ppp.provide_secret(secret, loop_.now());
    if (secret) secure_zero(*secret);
    return;
  }
  // pppd: the server column is our name; with chapms-strip-domain a
  // "DOMAIN\\user" login is looked up as "user".
  std::string_view client = req.client;
  if (settings_.ppp.chapms_strip_domain) {
    if (size_t bs = client.rfind('\\'); bs != std::string_view::npos) client.remove_prefix(bs + 1);
  }
  auto entry = config::find_secret(secrets.entries, client, req.server);
  if (!entry) {
    call.log.warn("no secret for user '{}' (server '{}') in {}", req.client, req.server, path);
    call.secret_entry.reset();
    call.ppp.provide_secret(std::nullopt, loop_.now());
    return;
  }
  call.secret_entry = *entry;
  call.ppp.provide_secret(entry->secret, loop_.now());
  secure_zero(call.secret_entry->secret);
}

void Server::handle_session_event(Call& call, ppp::SessionEvent& ev) {
  std::visit(
      Overloaded{
          [&](ppp::event::LinkUp&) {
            call.dp.set_framing(call.ppp.tx_acfc(), call.ppp.tx_pfc());
            call.log.debug("LCP is up");
          },
          [&](ppp::event::Authenticated& a) {
            if (a.side == ppp::AuthSide::kUs) {
              call.log.info("authenticated ourselves to the client as '{}' with {}", a.peer_name,
                            ppp::auth_protocol_name(a.protocol));
              return;
            }
            call.peer_name = a.peer_name;
            call.log.notice("user {} authenticated with {}", a.peer_name,
                            ppp::auth_protocol_name(a.protocol));
            on_authenticated(call, a.peer_name);
          },
          [&](ppp::event::AuthFailed& f) {
            if (f.side == ppp::AuthSide::kUs) {
              call.log.warn("the client refused our authentication as '{}': {}", f.peer_name,
                            f.reason);
              return;
            }
            call.log.warn("authentication failed for user '{}': {}", f.peer_name, f.reason);
          },
          [&](ppp::event::CcpUp& up) {
            const auto& k = up.keys;
            bool wide = up.key_bits == 128;
            call.dp.start_mppe(wide ? k.send.data() : k.send64.data(),
                               wide ? k.recv.data() : k.recv64.data(),
                               mppe::Settings{up.key_bits, up.stateless});
            // The session core logs "MPPE N-bit ... compression enabled".
            if (call.ip_up) set_interface_mtu(call);
          },
          [&](ppp::event::CcpDown&) {
            call.dp.stop_mppe();
            call.log.info("MPPE disabled");
          },
          [&](ppp::event::ResetRequested&) { call.dp.request_flush(); },
          [&](ppp::event::IpUp& up) { on_ip_up(call, up); },
          [&](ppp::event::IpDown& d) { on_ip_down(call, d.renegotiating && !shutting_down_); },
          [&](ppp::event::Ipv6Up&) {},
          [&](ppp::event::Ipv6Down&) {},
          [&](ppp::event::EchoTimeout&) {
            call.log.warn("no response to LCP echo requests, the link is down");
            // pppd would now spend lcp-restart x lcp-max-terminate on
            // Terminate-Requests nobody answers; the session core has sent
            // one. Free the session and its address at once and tell the
            // client (if it still hears us) with a lost-carrier CDN.
            end_call(call, kCdnLostCarrier, true);
          },
          [&](ppp::event::Finished& f) {
            call.log.info("LCP terminated: {}", f.reason.empty() ? "link closed" : f.reason);
            // The client clears its call once PPP is down (RFC 2637: the PNS
            // sends Call-Clear-Request); give it a moment before we end the
            // call and the control connection ourselves.
            end_call(call, kCdnAdminShutdown, true, /*defer_control=*/!shutting_down_);
          },
      },
      ev);
}

void Server::on_authenticated(Call& call, const std::string& peer_name) {
  Ipv4 remote = call.remote_ip;
  Ipv4 local = call.local_ip;
  if (!settings_.conf.localip && settings_.ppp.local_ip) local = *settings_.ppp.local_ip;
  if (call.secret_entry) {
    if (auto fixed = config::fixed_address(*call.secret_entry)) remote = *fixed;
    if (!config::address_allowed(*call.secret_entry, remote)) {
      call.log.warn("peer {} is not authorized to use remote address {}", peer_name, remote.str());
      call.ppp.close("Authentication failed", loop_.now());
      return;
    }
  }
  for (const auto& [id, other] : calls_) {
    if (other.get() != &call && other->ip_up && other->remote_ip == remote) {
      call.log.warn("address {} for {} is already in use by {}", remote.str(), peer_name,
                    other->peer_name);
      call.ppp.close("Address in use", loop_.now());
      return;
    }
  }
  call.remote_ip = remote;
  call.local_ip = local;
  ppp::IpConfig ip;
  ip.local = local;
  ip.remote = remote;
  static_cast<NameServers&>(ip) = settings_.servers;
  call.ppp.start_network(ip, loop_.now());
}

void Server::set_interface_mtu(Call& call) {
  if (!call.tun) return;
  int mtu = std::min<int>(settings_.mtu, call.ppp.peer_mru());
  if (call.dp.mppe_active()) mtu -= 4;  // MPPE header and inner protocol, as pppd does
  if (auto ec = netlink_->set_mtu(call.tun->ifindex(), mtu))
    call.log.warn("{}: cannot set MTU {}: {}", call.tun->name(), mtu, ec.message());
}

void Server::on_ip_up(Call& call, const ppp::event::IpUp& up) {
  if (call.tun) {
    // The link was renegotiated: the interface stayed, with its routes.
    if (auto ec = netlink_->replace_address_ptp(call.tun->ifindex(), call.local_ip,
                                                call.remote_ip, up.local, up.remote))
      call.log.warn("cannot set addresses: {}", ec.message());
    call.local_ip = up.local;
    call.remote_ip = up.remote;
    set_interface_mtu(call);
    call.ip_up = true;
    call.log.notice("up again after renegotiation: local IP address {}, remote IP address {}",
                    up.local.str(), up.remote.str());
    run_script(call, settings_.ip_up_script, false);
    return;
  }
  call.local_ip = up.local;
  call.remote_ip = up.remote;
  auto tun = io::TunDevice::create();
  if (!tun) {
    call.log.error("cannot create a TUN interface: {}", tun.error().message());
    call.ppp.close("No interface", loop_.now());
    return;
  }
  call.tun = std::move(tun.value());
  io::TunDevice& t = *call.tun;
  call.log = call.log.child(t.name());
  if (auto ec = netlink_->add_address_ptp(t.ifindex(), up.local, up.remote))
    call.log.warn("cannot set addresses: {}", ec.message());
  set_interface_mtu(call);
  if (!settings_.session.ipv6) {
    if (auto ec = t.disable_ipv6()) call.log.debug("cannot disable IPv6: {}", ec.message());
  }
  if (auto ec = netlink_->set_link_up(t.ifindex(), true))
    call.log.warn("cannot bring the interface up: {}", ec.message());
  uint16_t id = call.our_id;
  loop_.add(t.fd(), io::kReadable, [this, id](uint32_t) {
    Call* c = by_call_id_[id];
    if (c) on_tun_readable(*c);
  });
  call.ip_up = true;
  call.ip_up_at = loop_.now();
  call.log.notice("local IP address {}, remote IP address {}", up.local.str(), up.remote.str());

  if (settings_.ppp.proxyarp.value_or(false)) {
    auto found = netlink_->find_lan_interface(up.remote);
    if (!found || !found.value()) {
      call.log.warn("proxyarp: no interface has a subnet holding {}", up.remote.str());
    } else if (auto ec = netlink_->add_proxy_arp(found.value()->ifindex, up.remote)) {
      call.log.warn("proxyarp on {} failed: {}", found.value()->name, ec.message());
    } else {
      const io::InterfaceInfo& dev = *found.value();
      call.proxyarp_on = up.remote;
      call.proxyarp_dev = dev.name;
      call.proxyarp_index = dev.ifindex;
      call.log.info("proxy ARP entry for {} published on {}", up.remote.str(), dev.name);
    }
  }
  if (settings_.conf.logwtmp) {
    call.wtmp = io::wtmp_login(t.name(), call.peer_name, call.peer_addr.str());
    if (!call.wtmp) call.log.debug("no wtmp record written");
  }
  run_script(call, settings_.ip_up_script, false);
}

void Server::on_ip_down(Call& call, bool keep_interface) {
  if (call.ip_up) {
    call.ip_up = false;
    run_script(call, settings_.ip_down_script, true);
  }
  if (keep_interface) {
    if (call.tun) call.log.info("link renegotiating; {} kept", call.tun->name());
    return;
  }
  if (call.wtmp && call.tun) io::wtmp_logout(call.tun->name());
  call.wtmp = false;
  if (call.proxyarp_on) {
    netlink_->del_proxy_arp(call.proxyarp_index, *call.proxyarp_on);
    call.proxyarp_on.reset();
  }
  if (call.tun) {
    loop_.remove(call.tun->fd());
    call.log.info("interface {} removed", call.tun->name());
    call.tun->close();
    call.tun.reset();
  }
}

std::string Server::script_device(const Call& call) const {
  return call.tun ? call.tun->name() : std::string("pptp");
}

void Server::run_script(Call& call, const std::string& path, bool down) {
  std::string ifname = call.tun ? call.tun->name() : "";
  std::string ipparam;
  if (!settings_.conf.noipparam) ipparam = call.peer_addr.str();
  else if (settings_.ppp.ipparam) ipparam = *settings_.ppp.ipparam;
  // pppd's six arguments; without an ipparam the script gets only five.
  std::vector<std::string> args = {path,
                                   ifname,
                                   script_device(call),
                                   std::to_string(settings_.speed),
                                   call.local_ip.str(),
                                   call.remote_ip.str()};
  if (!settings_.conf.noipparam || settings_.ppp.ipparam) args.push_back(ipparam);
  std::vector<std::string> env = {
      "IFNAME=" + ifname, "DEVICE=" + script_device(call),
      "SPEED=" + std::to_string(settings_.speed), "IPLOCAL=" + call.local_ip.str(),
      "IPREMOTE=" + call.remote_ip.str(), "PPPLOGNAME=root", "ORIG_UID=0",
      "PPPD_PID=" + std::to_string(getpid()),
      "UNIT=" + (ifname.size() > 3 ? ifname.substr(3) : std::string("0"))};
  if (!call.peer_name.empty()) env.push_back("PEERNAME=" + call.peer_name);
  if (!ipparam.empty()) env.push_back("IPPARAM=" + ipparam);
  // The DNS servers this session handed out (ms-dns), for scripts that
  // publish or filter them.
  if (settings_.servers.dns1) env.push_back("DNS1=" + settings_.servers.dns1->str());
  if (settings_.servers.dns2) env.push_back("DNS2=" + settings_.servers.dns2->str());
  if (down) {
    auto secs = std::chrono::duration_cast<seconds>(loop_.now() - call.ip_up_at).count();
    env.push_back("CONNECT_TIME=" + std::to_string(secs));
    env.push_back("BYTES_SENT=" + std::to_string(call.bytes_out));
    env.push_back("BYTES_RCVD=" + std::to_string(call.bytes_in));
  }
  if (access(path.c_str(), X_OK) != 0) return;  // pppd: a missing script is not an error
  Logger lg = call.log;
  auto start = [this, lg, path, args, env]() -> pid_t {
    auto pid = scripts_.spawn(path, args, env, [this, lg, path](pid_t p, io::ExitStatus st) {
      lg.debug("script {} finished (pid {}), status {}", path, p,
               st.exited ? st.code : -st.signal);
      on_script_exit(p);
    });
    if (!pid) {
      lg.warn("script {} failed to start: {}", path, pid.error().message());
      return 0;
    }
    lg.debug("script {} started (pid {})", path, *pid);
    return *pid;
  };
  if (!down) {
    call.ip_up_pid = start();
    return;
  }
  // ip-down runs only after ip-up has finished, as with pppd.
  pid_t up = call.ip_up_pid;
  call.ip_up_pid = 0;
  if (up > 0 && scripts_.is_running(up)) {
    lg.debug("ip-down waits for ip-up (pid {})", up);
    auto pending = std::make_shared<std::function<pid_t()>>(start);
    deferred_down_[up] = pending;
    return;
  }
  start();
}

void Server::on_script_exit(pid_t pid) {
  auto it = deferred_down_.find(pid);
  if (it == deferred_down_.end()) return;
  auto run = it->second;
  deferred_down_.erase(it);
  (*run)();
  maybe_finish_shutdown();
}

void Server::end_call(Call& call, uint8_t cdn_result, bool send_cdn, bool defer_control) {
  if (call.ending) return;
  call.ending = true;
  Time now = loop_.now();
  on_ip_down(call, false);
  auto secs = std::chrono::duration_cast<seconds>(now - call.started).count();
  call.log.notice("connection terminated after {} s: sent {} bytes, received {} bytes{}{}",
                  secs, call.bytes_out, call.bytes_in,
                  call.peer_name.empty() ? "" : ", user ", call.peer_name);
  Control* c = call.control;
  std::string stats = fmt::format("sent {} received {}", call.bytes_out, call.bytes_in);
  if (send_cdn && c && !c->core.closed() && !defer_control)
    c->core.disconnect_call(call.our_id, cdn_result, stats, now);
  if (call.timer) loop_.cancel_timer(call.timer);
  stats_.data_path += call.dp.stats();
  pool_.release(call.slot);
  by_call_id_[call.our_id] = nullptr;
  uint16_t id = call.our_id;
  if (c) {
    auto& v = c->calls;
    v.erase(std::remove(v.begin(), v.end(), id), v.end());
  }
  calls_.erase(id);  // `call` is gone from here on
  if (c && defer_control && !c->core.closed()) {
    uint64_t cid = c->id;
    loop_.add_timer_after(kClearWait, [this, cid, id, cdn_result, send_cdn, stats] {
      auto it = controls_.find(cid);
      if (it == controls_.end()) return;
      Control& ctl = *it->second;
      Time t = loop_.now();
      // Still there: the client did not clear the call; tell it we did.
      if (send_cdn && !ctl.core.closed()) ctl.core.disconnect_call(id, cdn_result, stats, t);
      if (ctl.calls.empty() && !ctl.core.closed() && ctl.core.call_count() == 0)
        ctl.core.shutdown(shutting_down_ ? kStopLocalShutdown : kStopGeneral, t);
      service_control(ctl);
    });
  } else if (c && c->calls.empty() && !c->core.closed()) {
    // One call per connection in practice: end the control connection too.
    c->core.shutdown(shutting_down_ ? kStopLocalShutdown : kStopGeneral, now);
    uint64_t cid = c->id;
    loop_.add_timer_after(Duration::zero(), [this, cid] {
      auto it = controls_.find(cid);
      if (it != controls_.end()) service_control(*it->second);
    });
  }
  maybe_finish_shutdown();
}

void Server::arm_call_timer(Call& call) {
  Time when = earliest(call.ppp.next_deadline(), call.dp.next_deadline());
  if (settings_.idle.count() > 0 && call.ip_up) when = earliest(when, call.last_data + settings_.idle);
  // Only move the timer earlier: a timer that fires before anything is due
  // just re-arms itself. This keeps the data path from re-arming (and
  // allocating) on every packet as GRE acks come and go.
  if (when == kNever || (call.timer && call.armed <= when)) return;
  call.armed = when;
  uint16_t id = call.our_id;
  loop_.rearm_timer(&call.timer, when, [this, id] { on_call_timer(id); });
}

void Server::on_call_timer(uint16_t our_id) {
  Call* call = by_call_id_[our_id];
  if (!call) return;
  call->timer = 0;
  call->armed = kNever;
  Time now = loop_.now();
  if (tx_batch_.full()) flush_gre();
  ByteView ack = call->dp.ack_only(&tx_memory_[tx_used_ * kBufferSize], now);
  if (!ack.empty()) queue_gre(*call, ack);
  if (call->dp.take_reset_request(now)) call->ppp.send_reset_request(now);
  deliver_released(*call);
  if (by_call_id_[our_id] != call) return;
  if (settings_.idle.count() > 0 && call->ip_up && now - call->last_data >= settings_.idle) {
    call->log.notice("terminating on idle timeout ({} s)",
                     std::chrono::duration_cast<seconds>(settings_.idle).count());
    call->ppp.close("Idle timeout", now);
  }
  call->ppp.on_timer(now);
  service_call(*call);
}

// ---- data path ----

void Server::send_control_frame(Call& call, const Bytes& frame) {
  if (call.log.enabled(LogLevel::kDebug)) {
    if (auto f = ppp::parse_frame(frame))
      call.log.debug("sent {}", ppp::describe_packet(f->protocol, f->info));
  }
  if (tx_batch_.full()) flush_gre();
  ByteView pkt =
      call.dp.frame_control(&tx_memory_[tx_used_ * kBufferSize], kBufferSize, frame, loop_.now());
  if (!pkt.empty()) queue_gre(call, pkt);
}

// pkt lies in the current tx slot.
void Server::queue_gre(Call& call, ByteView pkt) {
  if (tx_batch_.add(call.peer_addr, pkt, call.local_addr)) tx_used_++;
  if (tx_batch_.full()) flush_gre();
}

void Server::flush_gre() {
  if (tx_batch_.size() && gre_) gre_->send_batch(tx_batch_);
  tx_batch_.clear();
  tx_used_ = 0;
}

void Server::on_gre_readable() {
  for (int round = 0; round < 8; ++round) {
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

void Server::on_gre_packet(uint8_t* data, size_t len) {
  auto g = session::parse_gre_datagram(ByteView(data, len), stats_.ingress, log_);
  if (!g) return;
  uint16_t id = g->packet.header.call_id;
  Call* call = by_call_id_[id];
  if (!call) {
    stats_.gre_unknown_call++;
    return;
  }
  if (call->peer_addr != g->src) {
    stats_.gre_wrong_peer++;
    if (call->log.enabled(LogLevel::kDebug))
      call->log.debug("GRE for this call from {} dropped (peer is {})", g->src.str(),
                      call->peer_addr.str());
    return;
  }
  if (!call->opened) open_call(*call);
  if (by_call_id_[id] != call) return;
  if (call->dp.on_gre(g->packet.header, g->packet.payload, loop_.now())) {
    // The payload lies inside our own receive buffer: decrypt in place.
    size_t off = static_cast<size_t>(g->packet.payload.data() - data);
    on_ppp_frame(*call, MutableByteView(data + off, g->packet.payload.size()));
  }
  if (by_call_id_[id] == call) deliver_released(*call);
  if (by_call_id_[id] == call) arm_call_timer(*call);
}

// Packets out of the reorder window, in order (they lie in the call's own
// memory). A frame can end the call: stop then.
void Server::deliver_released(Call& call) {
  const uint16_t id = call.our_id;
  Time now = loop_.now();
  while (by_call_id_[id] == &call) {
    auto p = call.dp.take_released(now);
    if (!p) break;
    on_ppp_frame(call, *p);
  }
}

void Server::on_ppp_frame(Call& call, MutableByteView frame) {
  Time now = loop_.now();
  session::DataPath::Inbound in = call.dp.on_frame(frame, now);
  if (call.dp.too_many_mppe_errors()) {
    call.log.warn("too many MPPE errors, closing LCP");
    call.ppp.close("Too many MPPE errors", now);
    service_call(call);  // may end the call: nothing after this
    return;
  }
  if (app::act_on_rx_health(call.dp, call.ppp, call.log, now)) {
    service_call(call);  // may end the call: nothing after this
    return;
  }
  if (call.dp.take_reset_request(now)) {
    call.ppp.send_reset_request(now);
    for (const Bytes& f : call.ppp.take_frames()) send_control_frame(call, f);
  }
  switch (in.kind) {
    case session::DataPath::Inbound::kIp:
      deliver_ip(call, in.data);
      return;
    case session::DataPath::Inbound::kControl:
      if (call.log.enabled(LogLevel::kDebug))
        call.log.debug("rcvd {}", ppp::describe_packet(in.protocol, in.data));
      call.ppp.on_control(in.protocol, in.data, now);
      service_call(call);
      return;
    case session::DataPath::Inbound::kDropped:
      call.log.debug("packet dropped: {}", in.reason);
      return;
  }
}

void Server::deliver_ip(Call& call, ByteView ip) {
  if (!call.ip_up || !call.tun || !call.ppp.data_allowed()) {
    stats_.data_before_up++;
    return;
  }
  if (auto ec = call.tun->write(ip)) {
    stats_.tun_dropped++;
    return;
  }
  call.bytes_in += ip.size();
  call.packets_in++;
  call.last_data = loop_.now();
}

void Server::on_tun_readable(Call& call) {
  uint16_t id = call.our_id;
  Time now = loop_.now();
  for (int i = 0; i < 64 && by_call_id_[id] == &call && call.tun; ++i) {
    if (tx_batch_.full()) flush_gre();
    uint8_t* base = &tx_memory_[tx_used_ * kBufferSize];
    auto r = call.tun->read(MutableByteView(base, kBufferSize), session::kHeadroom);
    if (!r || *r == 0) break;
    if (!call.ppp.data_allowed()) {
      stats_.data_before_up++;
      continue;
    }
    ByteView pkt = call.dp.frame_ip(base, *r, now);
    if (pkt.empty()) continue;  // counted by the data path
    call.bytes_out += *r;
    call.packets_out++;
    call.last_data = now;
    queue_gre(call, pkt);
  }
  flush_gre();
  if (by_call_id_[id] == &call) arm_call_timer(call);
}

// ---- shutdown ----

void Server::shutdown(std::function<void()> done) {
  shutting_down_ = true;
  shutdown_done_ = std::move(done);
  log_.notice("shutting down {} session(s)", calls_.size());
  if (listener_) {
    loop_.remove(listener_->fd());
    listener_.reset();
  }
  Time now = loop_.now();
  std::vector<uint16_t> ids;
  for (auto& [id, call] : calls_) ids.push_back(id);
  for (uint16_t id : ids) {
    Call* c = by_call_id_[id];
    if (!c) continue;
    if (!c->opened) {
      end_call(*c, kCdnAdminShutdown, true);  // LCP never started
      continue;
    }
    c->ppp.close("pptpxd shutting down", now);
    service_call(*c);
  }
  std::vector<uint64_t> cids;
  for (auto& [id, c] : controls_) cids.push_back(id);
  for (uint64_t id : cids) {
    auto it = controls_.find(id);
    if (it != controls_.end() && it->second->calls.empty()) {
      it->second->core.shutdown(kStopLocalShutdown, now);
      service_control(*it->second);
    }
  }
  shutdown_timer_ = loop_.add_timer_after(kShutdownGrace, [this] {
    shutdown_timer_ = 0;
    log_.warn("shutdown grace period over, {} session(s) left", calls_.size());
    auto finish = std::move(shutdown_done_);
    shutdown_done_ = nullptr;
    if (finish) finish();
  });
  maybe_finish_shutdown();
}

void Server::maybe_finish_shutdown() {
  if (!shutting_down_ || !shutdown_done_) return;
  // Like pppd, wait for the scripts (ip-down) before exiting; the grace
  // timer bounds the wait.
  if (!calls_.empty() || !controls_.empty() || scripts_.running() > 0 || !deferred_down_.empty())
    return;
  if (shutdown_timer_) loop_.cancel_timer(shutdown_timer_);
  shutdown_timer_ = 0;
  auto finish = std::move(shutdown_done_);
  shutdown_done_ = nullptr;
  loop_.add_timer_after(Duration::zero(), [finish] { finish(); });
}

}  // namespace pptpx::server

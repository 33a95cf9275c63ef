// SPDX-License-Identifier: MIT
// Server start, reload, statistics and shutdown (see server.h for the rooms).
#include "app/server/server.h"

#include <net/if.h>

#include <utility>

#include "app/server/service.h"
#include "base/counters.h"
#include "io/port_owner.h"
#include "proto/pptp/messages.h"

namespace pptpx::server {

namespace {

// Calls end cleanly within max-terminate x restart; this bounds SIGTERM.
constexpr Duration kShutdownGrace = seconds(10);

}  // namespace

Server::Server(io::EventLoop& loop, Settings settings, LogSink& sink, Rng& rng,
               std::unique_ptr<app::Platform> platform)
    : loop_(loop),
      settings_(std::move(settings)),
      log_(sink),
      rng_(rng),
      pool_(settings_.slots),
      platform_(std::move(platform)),
      link_watcher_(loop, Logger(sink)),
      secrets_(settings_.flags.chap_secrets_path, settings_.flags.pap_secrets_path),
      runner_(loop, Logger(sink)),
      scripts_(runner_, [this] { maybe_finish_shutdown(); }),
      auth_throttle_(settings_.auth_throttle),
      calls_(rng),
      started_(loop.now()) {}

Server::~Server() = default;

std::error_code Server::start() {
  Ipv4 bind = settings_.listen.value_or(Ipv4{});
  // The kernel caps any backlog to net.core.somaxconn: ask for that much
  // unless listen-backlog says otherwise.
  auto somaxconn = io::read_somaxconn();
  int cap = somaxconn ? *somaxconn : SOMAXCONN;
  if (auto ec = open_listener(bind, cap)) return ec;

  if (!platform_) {
    auto p = app::SystemPlatform::open();
    if (!p) return fail_start(p.error(), "cannot open a netlink socket: " + p.error().message());
    platform_ = std::move(p.value());
  }
  link_watcher_.start(
      *platform_, [this] { return own_interfaces(); },
      [this](const app::LostInterface& lost) { on_interface_lost(lost); });
  if (auto ec = open_gre(bind)) return ec;
  if (settings_.ppp.proxyarp.value_or(false)) {
    io::warn_if_ip_forward_disabled(log_);
    remove_stale_proxy_arp();
  }

  for (const auto& n : settings_.notices) log_.notice("{}", n);
  log_.notice("pptpxd listening on {}:{} (backlog {}) with {} address slot(s), name {}", bind.str(),
              port_, std::min(backlog_, cap), pool_.size(), settings_.our_name);
  return {};
}

std::error_code Server::open_listener(Ipv4 bind, int cap) {
  backlog_ = settings_.conf.listen_backlog.value_or(cap);
  if (backlog_ > cap)
    log_.notice("listen-backlog {} is capped to {} by net.core.somaxconn", backlog_, cap);
  auto l = io::TcpListener::listen({bind, port_}, backlog_);
  if (!l) {
    std::optional<io::PortOwner> owner;
    if (l.error() == std::errc::address_in_use) owner = io::find_port_owner(bind, port_);
    return fail_start(l.error(),
                      listen_failure({bind, port_}, l.error(), owner, settings_.flags.conf_path));
  }
  listener_ = std::move(l.value());
  if (port_ == 0) {
    if (auto a = listener_->local_address()) port_ = a->port;
  }
  if (auto c = io::read_listen_counters()) listen_base_ = *c;
  if (auto ec = loop_.add(listener_->fd(), io::kReadable, [this](uint32_t) { on_accept(); }))
    return fail_start(ec, "cannot watch the listening socket: " + ec.message());
  return {};
}

std::error_code Server::open_gre(Ipv4 bind) {
  io::GreSocket::Options go;
  go.local = bind;
  auto g = platform_->open_gre(go);
  if (!g) return fail_start(g.error(), gre_failure(g.error()));
  gre_ = std::make_unique<app::GrePort>(std::move(g.value()), log_);
  auto on_gre = [this](uint32_t) {
    gre_->receive([this](session::GreDatagram& d) { on_gre_datagram(d); });
  };
  if (auto ec = loop_.add(gre_->fd(), io::kReadable, on_gre))
    return fail_start(ec, "cannot watch the GRE socket: " + ec.message());
  auto on_error = [this](uint32_t) {
    gre_->receive_errors([this](const session::PathError& e, uint16_t id) { on_gre_error(e, id); });
  };
  if (gre_->error_fd() >= 0) {
    if (auto ec = loop_.add(gre_->error_fd(), io::kReadable, on_error))
      return fail_start(ec, "cannot watch the GRE probe socket: " + ec.message());
  }
  return {};
}

std::error_code Server::fail_start(std::error_code ec, std::string why) {
  start_failure_ = std::move(why);
  return ec;
}

void Server::sessions_changed() const {
  if (sessions_changed_) sessions_changed_(calls_.size());
}

void Server::remove_stale_proxy_arp() {
  io::Netlink* nl = platform_->netlink();
  if (!nl) return;
  auto entries = nl->list_proxy_arp();
  if (!entries) {
    log_.warn("proxyarp: cannot list proxy ARP entries: {}", entries.error().message());
    return;
  }
  for (const io::ProxyArpEntry& e : *entries) {
    if (!pool_.has_remote(e.addr)) continue;
    char name[IF_NAMESIZE] = "?";
    if_indextoname(e.ifindex, name);
    if (auto ec = nl->del_proxy_arp(e.ifindex, e.addr))
      log_.warn("proxyarp: cannot remove the stale entry for {} on {}: {}", e.addr.str(), name,
                ec.message());
    else
      log_.notice(
          "proxyarp: removed a stale proxy ARP entry for {} on {} (left by an earlier "
          "pptpxd that did not stop cleanly?)",
          e.addr.str(), name);
  }
}

void Server::reload(Settings settings) {
  if (settings.slots.size() != pool_.size())
    log_.warn("localip/remoteip changes need a restart; keeping the current address slots");
  settings.slots = settings_.slots;
  if (settings.metrics != settings_.metrics ||
      settings.metrics_per_session != settings_.metrics_per_session)
    log_.warn("metrics and metrics-per-session changes need a restart; keeping the current ones");
  settings.metrics = settings_.metrics;
  settings.metrics_per_session = settings_.metrics_per_session;
  settings_ = std::move(settings);
  auth_throttle_.configure(settings_.auth_throttle);
  secrets_ = app::SecretsFiles(settings_.flags.chap_secrets_path, settings_.flags.pap_secrets_path);
  log_.notice("configuration re-read; it applies to new sessions");
}

void Server::log_stats() const {
  const ServerStats& t = stats_;
  const Totals all = totals();
  const session::DataPathStats& d = all.data_path;
  const ppp::PppCounters& ppp = all.ppp;
  const pptp::ControlStats& control = all.control;
  const uint64_t before_up = all.data_before_up;
  session::IngressStats in = gre_ ? gre_->ingress() : session::IngressStats{};
  log_.info(
      "stats: connections {} (refused {}, per source {}, evicted {}, idle {}, not reading {}) "
      "calls {} (refused {}) | GRE dropped: not-gre {} "
      "malformed {} unknown-call {} wrong-peer {} sequence {} | PPP malformed {} | MPPE "
      "dropped {} not-ip {} | clear IP dropped {} | out: not-ipv4 {} no-mppe {} | data before "
      "up {} | tun dropped {} | TCP MSS clamped {} | {} | {} | {} | {} | {} | {} | {}",
      t.connections, t.connections_refused, t.connections_refused_per_source, t.connections_evicted,
      t.connections_idle_closed, t.connections_output_overflow, t.calls, t.calls_refused_no_slot,
      in.not_gre, in.malformed, t.gre_unknown_call, t.gre_wrong_peer, d.gre_duplicates,
      d.ppp_malformed, d.mppe_dropped, d.mppe_not_ip, d.clear_ip_dropped, d.out_not_ipv4,
      d.out_no_mppe, before_up, t.tun_dropped, d.tcp_mss_clamped, session::describe_gre(d),
      session::describe_gre_flow(d), session::describe_mppe(d), ppp::describe_ppp(ppp),
      pptp::describe_control(control), gre_ ? gre_->describe() : std::string("GRE socket: closed"),
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
  return fmt::format("listen queue {} overflows {} (namespace) accept errors {}", queue, overflows,
                     stats_.accept_errors);
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
  for (uint16_t id : calls_.ids()) {
    if (Link* link = calls_.find(id)) hang_up(*link, "pptpxd shutting down", now);
  }
  std::vector<uint64_t> cids;
  for (auto& [id, c] : controls_) cids.push_back(id);
  for (uint64_t id : cids) {
    auto it = controls_.find(id);
    if (it != controls_.end() && it->second->calls.empty()) {
      it->second->core.shutdown(pptp::kStopReasonLocalShutdown, now);
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

void Server::hang_up(Link& link, std::string_view reason, Time now) {
  if (!link.call.opened()) {
    end_call(link, pptp::kCdnAdminShutdown, true);  // LCP never started
    return;
  }
  link.call.close(reason, now);
  service_call(link);
}

void Server::maybe_finish_shutdown() {
  if (!shutting_down_ || !shutdown_done_) return;
  // Like pppd, wait for the scripts (ip-down) before exiting; the grace
  // timer bounds the wait.
  if (!calls_.empty() || !controls_.empty() || scripts_.pending() > 0) return;
  if (shutdown_timer_) loop_.cancel_timer(shutdown_timer_);
  shutdown_timer_ = 0;
  auto finish = std::move(shutdown_done_);
  shutdown_done_ = nullptr;
  loop_.add_timer_after(Duration::zero(), [finish] { finish(); });
}

}  // namespace pptpx::server

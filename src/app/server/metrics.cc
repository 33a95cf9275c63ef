// SPDX-License-Identifier: MIT
// pptpxd's metrics: every counter of the stats line (Server::log_stats) and
// of pptpxctl stats, the sessions and control connections now, set-up
// outcomes and times, and the process's resources, in the Prometheus text
// format, served at GET /metrics (README, "Metrics").
//
// Counters are server-wide: the calls and connections that ended plus the
// live ones. Labels have few, fixed values (reasons, methods, states); per
// user and interface series, whose number grows with the sessions, come
// only with --metrics-per-session.
#include <map>
#include <utility>

#include "app/server/server.h"
#include "base/counters.h"
#include "io/process_stats.h"
#include "proto/ppp/auth/auth.h"

namespace pptpx::server {

namespace {

using app::Exposition;
using Type = Exposition::Type;

// A family with one label over a fixed list of values.
void labelled(Exposition& e, std::string_view name, Type type, std::string_view help,
              std::string_view label, const std::vector<NamedCount>& values) {
  e.family(name, type, help);
  for (const NamedCount& r : values) e.sample(name, {{label, r.name}}, r.value);
}

std::string mppe_mode(const Link& link) {
  if (link.mppe_bits == 0) return "none";
  return fmt::format("{}-bit {}", link.mppe_bits, link.mppe_stateless ? "stateless" : "stateful");
}

void write_process(Exposition& e) {
  auto p = io::read_process_stats();
  if (!p) return;
  e.counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
            p->cpu_seconds);
  e.gauge("process_resident_memory_bytes", "Resident memory size in bytes.", p->resident_bytes);
  e.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", p->virtual_bytes);
  e.gauge("process_open_fds", "Number of open file descriptors.", p->open_fds);
  e.gauge("process_max_fds", "Maximum number of open file descriptors.", p->max_fds);
  e.gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
          p->start_time_seconds);
}

std::vector<NamedCount> mppe_drops(const mppe::DecryptStats& m) {
  return {{"late", m.late},
          {"duplicate", m.duplicate},
          {"garbled", m.garbled},
          {"searching", m.searching},
          {"keys_lost", m.keys_lost + m.jump_too_far},
          {"out_of_sequence", m.out_of_sequence},
          {"discarding", m.discarded},
          {"malformed", m.too_short + m.not_encrypted + m.compressed + m.missing_flushed},
          {"far_ahead_refused", m.untrusted_refused}};
}

std::vector<NamedCount> control_drops(const pptp::ControlStats& c) {
  return {{"truncated", c.truncated},
          {"bad_length", c.bad_length},
          {"bad_cookie", c.bad_cookie},
          {"bad_message_type", c.bad_message_type},
          {"unknown_type", c.unknown_type},
          {"reserved_nonzero", c.reserved_nonzero},
          {"unexpected", c.unexpected_messages},
          {"unknown_call_id", c.unknown_call_id}};
}

std::vector<NamedCount> ppp_drops(const ppp::PppCounters& p) {
  return {{"malformed", p.session.malformed_frames},
          {"discarded", p.session.discarded},
          {"lcp_malformed", p.lcp.malformed},
          {"lcp_bad_id", p.lcp.bad_id},
          {"lcp_bad_ack", p.lcp.bad_ack},
          {"lcp_bad_nak_reject", p.lcp.bad_nak_reject},
          {"lcp_unexpected_state", p.lcp.unexpected_state},
          {"ncp_malformed", p.ncp.malformed},
          {"ncp_bad_id", p.ncp.bad_id},
          {"ncp_bad_ack", p.ncp.bad_ack},
          {"ncp_bad_nak_reject", p.ncp.bad_nak_reject},
          {"ncp_unexpected_state", p.ncp.unexpected_state},
          {"auth_malformed", p.auth.malformed},
          {"auth_unexpected", p.auth.unexpected},
          {"auth_wrong_id", p.auth.wrong_id}};
}

}  // namespace

std::error_code Server::open_metrics(io::SocketAddress addr, bool per_session) {
  metrics_per_session_ = per_session;
  metrics_ = std::make_unique<io::HttpServer>(
      loop_, log_.child("metrics"),
      [this](std::string_view path) -> std::optional<io::HttpServer::Page> {
        if (path != "/metrics") return std::nullopt;
        return io::HttpServer::Page{std::string(app::kExpositionContentType), metrics_text()};
      });
  if (auto ec = metrics_->listen(addr)) {
    metrics_.reset();
    return ec;
  }
  return {};
}

Server::Totals Server::totals() const {
  Totals t;
  t.data_path = stats_.data_path;
  t.ppp = stats_.ppp;
  t.control = stats_.control;
  t.traffic = stats_.traffic;
  t.data_before_up = stats_.data_before_up;
  for (const auto& [id, link] : calls_.links()) {
    t.data_path += link->call.data_path_stats();
    t.ppp += link->call.ppp().counters();
    add_counters(t.traffic, link->call.traffic());
    t.data_before_up += link->call.traffic().data_before_up;
  }
  for (const auto& [id, c] : controls_) add_counters(t.control, c->core.stats());
  return t;
}

std::string Server::metrics_text() const {
  Exposition e;
  const Totals t = totals();
  write_sessions(e);
  write_outcomes(e);
  write_traffic(e, t);
  write_drops(e, t);
  write_connections(e);
  if (metrics_per_session_) write_per_session(e);
  write_process(e);
  return e.take();
}

void Server::write_sessions(Exposition& e) const {
  std::map<std::pair<std::string, std::string>, uint64_t> up;
  for (const auto& k : session_kinds_) up[k] = 0;
  for (const auto& [id, link] : calls_.links()) {
    if (!link->ip_up) continue;
    std::pair<std::string, std::string> kind(ppp::auth_protocol_name(link->auth), mppe_mode(*link));
    session_kinds_.insert(kind);
    up[kind]++;
  }
  e.family("pptpx_sessions", Type::kGauge,
           "Sessions whose pppN carries IP, by the client's authentication and MPPE mode.");
  for (const auto& [kind, n] : up)
    e.sample("pptpx_sessions", {{"auth", kind.first}, {"mppe", kind.second}}, n);
  e.gauge("pptpx_calls", "Calls in progress at any stage, set-up and ending included.",
          uint64_t{calls_.size()});
  e.gauge("pptpx_pool_addresses", "Address slots (localip/remoteip pairs).",
          uint64_t{pool_.size()});
  e.gauge("pptpx_pool_addresses_free", "Address slots not taken by a call.",
          uint64_t{pool_.size() - pool_.in_use()});
}

void Server::write_outcomes(Exposition& e) const {
  const OutcomeStats& o = stats_.outcomes;
  e.counter("pptpx_session_setups_total", "Calls whose pppN came up (renegotiations not counted).",
            o.setups);
  e.family("pptpx_session_setup_failures_total", Type::kCounter,
           "Calls that ended before their pppN came up, by the first cause.");
  for (size_t i = 0; i < kSetupFailures; ++i)
    e.sample("pptpx_session_setup_failures_total",
             {{"reason", setup_failure_name(static_cast<SetupFailure>(i))}}, o.setup_failures[i]);
  e.histogram("pptpx_session_setup_seconds",
              "Time from the call's Outgoing-Call-Request to its pppN carrying IP.",
              o.setup_seconds);
  e.family("pptpx_auth_successes_total", Type::kCounter,
           "Clients authenticated, by method (each LCP renegotiation authenticates again).");
  for (size_t m = 1; m < kAuthMethods; ++m)
    e.sample("pptpx_auth_successes_total", {{"method", auth_method_name(m)}}, o.auth_successes[m]);
  e.family("pptpx_auth_failures_total", Type::kCounter,
           "Clients that failed authentication, by method and reason (method none: the client "
           "refused every method required).");
  for (size_t m = 0; m < kAuthMethods; ++m) {
    for (size_t r = 0; r < kAuthFailures; ++r) {
      // Every pair that can happen, and any other that did.
      bool refused = static_cast<AuthFailure>(r) == AuthFailure::kRefused;
      if ((m == 0) != refused && o.auth_failures[m][r] == 0) continue;
      e.sample("pptpx_auth_failures_total",
               {{"method", auth_method_name(m)},
                {"reason", auth_failure_name(static_cast<AuthFailure>(r))}},
               o.auth_failures[m][r]);
    }
  }
}

void Server::write_traffic(Exposition& e, const Totals& t) const {
  e.counter("pptpx_received_bytes_total", "IP octets received from clients through the tunnels.",
            t.traffic.bytes_in);
  e.counter("pptpx_sent_bytes_total", "IP octets sent to clients through the tunnels.",
            t.traffic.bytes_out);
  e.counter("pptpx_received_packets_total", "IP packets received from clients through the tunnels.",
            t.traffic.packets_in);
  e.counter("pptpx_sent_packets_total", "IP packets sent to clients through the tunnels.",
            t.traffic.packets_out);
  e.counter("pptpx_gre_lost_packets_total",
            "GRE packets from clients that never arrived (gaps in the sequence numbers).",
            t.data_path.gre_lost);
  e.counter("pptpx_tcp_mss_clamped_total",
            "TCP SYNs through the tunnels, either way, whose MSS was lowered to fit the tunnel.",
            t.data_path.tcp_mss_clamped);
}

DropTables Server::drop_tables(const Totals& t) const {
  const session::DataPathStats& d = t.data_path;
  const session::IngressStats in = gre_ ? gre_->ingress() : session::IngressStats{};
  const io::GreSocketStats sock = gre_ ? gre_->socket_stats() : io::GreSocketStats{};
  const ServerStats& s = stats_;
  return DropTables{
      .data_path = {{"not_gre", in.not_gre},
                    {"gre_truncated", in.why.truncated},
                    {"gre_bad_protocol", in.why.bad_protocol},
                    {"gre_bad_version", in.why.bad_version},
                    {"gre_bad_flags", in.why.bad_flags},
                    {"gre_no_key", in.why.no_key},
                    {"gre_bad_length", in.why.bad_payload_length},
                    {"gre_no_sequence", in.why.payload_without_seq},
                    {"gre_empty", in.why.empty},
                    {"gre_unknown_call", s.gre_unknown_call},
                    {"gre_wrong_peer", s.gre_wrong_peer},
                    {"gre_stale", d.gre_stale},
                    {"gre_duplicate", d.gre_duplicate},
                    {"gre_too_big", d.gre_too_big},
                    {"gre_invalid", d.gre_invalid},
                    {"gre_invalid_far", d.gre_invalid_far},
                    {"gre_receive_truncated", sock.rx_truncated},
                    {"gre_send_error", sock.tx_errors},
                    {"gre_send_would_block", sock.tx_would_block},
                    {"ppp_malformed", d.ppp_malformed},
                    {"ip_malformed", d.ip_malformed},
                    {"control_unknown", d.control_unknown},
                    {"mppe", d.mppe_dropped},
                    {"mppe_far_no_budget", d.mppe_far_no_budget},
                    {"far_clear_unconfirmed", d.far_clear_unconfirmed},
                    {"mppe_not_ip", d.mppe_not_ip},
                    {"clear_ip", d.clear_ip_dropped},
                    {"out_not_ipv4", d.out_not_ipv4},
                    {"out_no_mppe", d.out_no_mppe},
                    {"data_before_up", t.data_before_up},
                    {"tun_write", s.tun_dropped}},
      .mppe = mppe_drops(d.mppe),
      .control = control_drops(t.control),
      .ppp = ppp_drops(t.ppp),
      .mppe_resets = {{"sent", d.mppe_resets_sent}, {"honoured", d.mppe_flushes_asked}},
  };
}

void Server::write_drops(Exposition& e, const Totals& t) const {
  const DropTables drops = drop_tables(t);
  labelled(e, "pptpx_dropped_packets_total", Type::kCounter,
           "Packets dropped on the data path, by reason (the stats line's names).", "reason",
           drops.data_path);
  labelled(e, "pptpx_mppe_dropped_packets_total", Type::kCounter,
           "MPPE packets the decryptors refused, by reason (part of "
           "pptpx_dropped_packets_total{reason=\"mppe\"}).",
           "reason", drops.mppe);
  labelled(e, "pptpx_mppe_resets_total", Type::kCounter,
           "MPPE resynchronisations: CCP Reset-Requests sent (a packet was lost), and the "
           "client's honoured.",
           "direction", drops.mppe_resets);
  labelled(e, "pptpx_control_dropped_messages_total", Type::kCounter,
           "PPTP control messages dropped, by reason.", "reason", drops.control);
  labelled(e, "pptpx_ppp_dropped_packets_total", Type::kCounter,
           "PPP control packets dropped, by layer and reason.", "reason", drops.ppp);
  const io::GreSocketStats sock = gre_ ? gre_->socket_stats() : io::GreSocketStats{};
  e.counter("pptpx_gre_receive_errors_total", "Failed reads of the raw GRE socket.",
            sock.rx_errors);
}

void Server::write_connections(Exposition& e) const {
  std::map<std::string_view, uint64_t> by_state;
  for (std::string_view s : pptp::ServerControl::kStateNames) by_state[s] = 0;
  for (const auto& [id, c] : controls_) by_state[c->core.state_name()]++;
  e.family("pptpx_control_connections", Type::kGauge, "PPTP control connections, by state.");
  for (std::string_view s : pptp::ServerControl::kStateNames)
    e.sample("pptpx_control_connections", {{"state", s}}, by_state[s]);
  const ServerStats& t = stats_;
  e.counter("pptpx_control_connections_total", "PPTP control connections accepted.", t.connections);
  e.counter("pptpx_control_connections_refused_total",
            "PPTP control connections refused: too many at once.", t.connections_refused);
  e.counter("pptpx_control_connections_refused_per_source_total",
            "PPTP control connections refused: waiting-per-source connections without a call "
            "from that address already.",
            t.connections_refused_per_source);
  e.counter("pptpx_control_connections_evicted_total",
            "PPTP control connections without a call closed, the oldest first, to admit a new "
            "one at the limit of waiting connections.",
            t.connections_evicted);
  e.counter("pptpx_control_connections_idle_closed_total",
            "PPTP control connections closed without Start-Control-Connection-Request or call "
            "within stimeout.",
            t.connections_idle_closed);
  e.counter("pptpx_control_connections_output_overflow_total",
            "PPTP control connections closed because the peer did not read what we sent.",
            t.connections_output_overflow);
  e.counter("pptpx_calls_total", "Calls (Outgoing-Call-Requests) accepted.", t.calls);
  e.counter("pptpx_calls_without_gre_total",
            "Calls that had no GRE packet from the client gre-timeout seconds after they were "
            "placed (IP protocol 47 blocked between us?).",
            t.calls_without_gre);
  e.counter("pptpx_auth_throttled_total",
            "Client authentications answered late: earlier failures from that address or as "
            "that user (auth-free-failures, auth-max-delay).",
            t.auth_throttled);
  e.counter("pptpx_auth_blocked_refusals_total",
            "Client authentications refused unchecked: the address or user is blocked.",
            t.auth_blocked_refusals);
  e.counter("pptpx_auth_blocks_started_total",
            "Addresses and users blocked after too many failed authentications "
            "(auth-block-source, auth-block-user).",
            t.auth_blocks_started);
  e.counter("pptpx_accept_errors_total", "Failed accept() calls of the TCP 1723 listener.",
            t.accept_errors);
}

void Server::write_per_session(Exposition& e) const {
  struct Series {
    std::string_view name, help;
    uint64_t session::CallTraffic::*field;
  };
  static constexpr Series kSeries[] = {
      {"pptpx_session_received_bytes_total", "IP octets received from this session's client.",
       &session::CallTraffic::bytes_in},
      {"pptpx_session_sent_bytes_total", "IP octets sent to this session's client.",
       &session::CallTraffic::bytes_out},
      {"pptpx_session_received_packets_total", "IP packets received from this session's client.",
       &session::CallTraffic::packets_in},
      {"pptpx_session_sent_packets_total", "IP packets sent to this session's client.",
       &session::CallTraffic::packets_out},
  };
  for (const Series& s : kSeries) {
    e.family(s.name, Type::kCounter, s.help);
    for (const auto& [id, link] : calls_.links()) {
      if (!link->ppp_if) continue;
      std::vector<app::Label> labels = {{"user", link->peer_name},
                                        {"interface", link->ppp_if->name()}};
      e.sample_labels(s.name, labels, link->call.traffic().*s.field);
    }
  }
}

}  // namespace pptpx::server

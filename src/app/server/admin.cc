// SPDX-License-Identifier: MIT
// The control socket's requests on the server: sessions, show, kill, stats,
// blocks, unblock, reload, debug, version (see app/common/admin_protocol.h).
#include <nlohmann/json.hpp>

#include "app/server/server.h"
#include "base/text.h"
#include "proto/ppp/auth/auth.h"

namespace pptpx::server {

namespace {

int64_t seconds_since(Time then, Time now) {
  return std::chrono::duration_cast<seconds>(now - then).count();
}

// What a session's data path dropped, every reason together.
uint64_t dropped(const session::DataPathStats& d, const session::CallTraffic& t) {
  return d.gre_duplicates + d.ppp_malformed + d.ip_malformed + d.mppe_dropped + d.mppe_not_ip +
         d.clear_ip_dropped + d.out_not_ipv4 + d.out_no_mppe + t.data_before_up;
}

std::string mppe_name(const Link& link) {
  if (link.mppe_bits == 0) return "none";
  return fmt::format("{}-bit {}", link.mppe_bits, link.mppe_stateless ? "stateless" : "stateful");
}

// The session's stage for people: starting (the call is placed, LCP not
// yet), negotiating (LCP), authenticating, network (IPCP/CCP), up (pppN
// carries IP), terminating (LCP closing), ending (being torn down).
const char* session_state(const Link& link) {
  if (link.ending) return "ending";
  if (!link.call.opened()) return "starting";
  switch (link.call.ppp().phase()) {
    case ppp::Phase::kDead:
    case ppp::Phase::kEstablish: return "negotiating";
    case ppp::Phase::kAuthenticate: return "authenticating";
    case ppp::Phase::kNetwork: return link.ip_up ? "up" : "network";
    case ppp::Phase::kTerminate: return "terminating";
  }
  return "?";
}

// Set-ups and authentications as the metrics count them (outcomes.h):
// every set-up failure reason, and the methods and reasons seen.
nlohmann::json outcomes_json(const OutcomeStats& o) {
  nlohmann::json failures = nlohmann::json::object();
  for (size_t i = 0; i < kSetupFailures; ++i)
    failures[std::string(setup_failure_name(static_cast<SetupFailure>(i)))] = o.setup_failures[i];
  nlohmann::json ok = nlohmann::json::object(), failed = nlohmann::json::object();
  for (size_t m = 0; m < kAuthMethods; ++m) {
    std::string method(auth_method_name(m));
    if (o.auth_successes[m]) ok[method] = o.auth_successes[m];
    for (size_t r = 0; r < kAuthFailures; ++r)
      if (o.auth_failures[m][r])
        failed[method][std::string(auth_failure_name(static_cast<AuthFailure>(r)))] =
            o.auth_failures[m][r];
  }
  return {{"setups", o.setups},
          {"setup_failures", std::move(failures)},
          {"setup_seconds", {{"count", o.setup_seconds.count()}, {"sum", o.setup_seconds.sum()}}},
          {"auth_successes", std::move(ok)},
          {"auth_failures", std::move(failed)}};
}

}  // namespace

std::error_code Server::open_admin(const io::UnixListener::Options& opts, AdminHooks hooks) {
  admin_hooks_ = std::move(hooks);
  admin_ = std::make_unique<AdminSocket>(
      loop_, log_.child("control socket"),
      [this](const app::AdminRequest& r) { return admin_request(r); });
  if (auto ec = admin_->open(opts)) {
    admin_.reset();
    return ec;
  }
  return {};
}

std::vector<Link*> Server::match_sessions(std::string_view target) const {
  std::vector<Link*> found;
  for (const auto& [id, link] : calls_.links()) {
    const Link& l = *link;
    std::string client = l.peer_addr.str();
    bool match = target == client || (l.ppp_if && target == l.ppp_if->name()) ||
                 (!l.peer_name.empty() && target == l.peer_name) ||
                 (l.ip_up && target == l.remote_ip.str()) ||
                 (l.control && target == l.control->name());
    if (match) found.push_back(link.get());
  }
  return found;
}

nlohmann::json Server::session_json(const Link& link, bool full) const {
  Time now = loop_.now();
  const session::CallTraffic& t = link.call.traffic();
  session::DataPathStats d = link.call.data_path_stats();
  nlohmann::json j = {
      {"interface", link.ppp_if ? link.ppp_if->name() : ""},
      {"user", link.peer_name},
      {"client", link.peer_addr.str()},
      {"client_port", link.control ? link.control->peer_port : 0},
      {"address", link.ip_up ? link.remote_ip.str() : ""},
      {"local_address", link.ip_up ? link.local_ip.str() : ""},
      {"call_id", link.our_id},
      {"peer_call_id", link.peer_id},
      {"auth", link.auth == ppp::AuthProtocol::kNone ? "none" : ppp::auth_protocol_name(link.auth)},
      {"mppe", mppe_name(link)},
      {"state", session_state(link)},
      {"uptime_seconds", seconds_since(link.started, now)},
      {"bytes_in", t.bytes_in},
      {"bytes_out", t.bytes_out},
      {"packets_in", t.packets_in},
      {"packets_out", t.packets_out},
      {"dropped", dropped(d, t)},
      {"tcp_mss_clamped", d.tcp_mss_clamped},
  };
  if (!full) return j;
  j["ip_up_seconds"] = link.ip_up ? seconds_since(link.ip_up_at, now) : 0;
  j["server_address"] = link.local_addr.str();
  j["proxyarp"] = link.proxyarp_on.has_value();
  j["gre"] = {{"lost", d.gre_lost},
              {"duplicates", d.gre_duplicates},
              {"reordered", d.gre_held},
              {"invalid", d.gre_invalid},
              {"invalid_far", d.gre_invalid_far},
              {"far_accepted", d.gre_far_accepted},
              {"data_out", d.gre_data_out},
              {"acks_in", d.gre_acks_in}};
  j["drops"] = {
      {"gre_sequence", d.gre_duplicates},     {"gre_invalid", d.gre_invalid},
      {"ppp_malformed", d.ppp_malformed},     {"ip_malformed", d.ip_malformed},
      {"control_unknown", d.control_unknown}, {"far_clear_unconfirmed", d.far_clear_unconfirmed},
      {"mppe_dropped", d.mppe_dropped},       {"mppe_not_ip", d.mppe_not_ip},
      {"clear_ip", d.clear_ip_dropped},       {"out_not_ipv4", d.out_not_ipv4},
      {"out_no_mppe", d.out_no_mppe},         {"data_before_up", t.data_before_up}};
  j["mppe_resets"] = {{"sent", d.mppe_resets_sent}, {"honoured", d.mppe_flushes_asked}};
  j["summary"] = fmt::format("{} | {} | {}", session::describe_gre(d), session::describe_mppe(d),
                             ppp::describe_ppp(link.call.ppp().counters()));
  return j;
}

nlohmann::json Server::stats_json() const {
  const ServerStats& t = stats_;
  nlohmann::json j = {
      {"uptime_seconds", seconds_since(started_, loop_.now())},
      {"sessions", calls_.size()},
      {"control_connections", controls_.size()},
      {"connections", t.connections},
      {"connections_refused", t.connections_refused},
      {"connections_refused_per_source", t.connections_refused_per_source},
      {"connections_evicted", t.connections_evicted},
      {"connections_idle_closed", t.connections_idle_closed},
      {"connections_output_overflow", t.connections_output_overflow},
      {"calls", t.calls},
      {"calls_refused_no_slot", t.calls_refused_no_slot},
      {"calls_without_gre", t.calls_without_gre},
      {"auth_throttled", t.auth_throttled},
      {"auth_blocked_refusals", t.auth_blocked_refusals},
      {"auth_blocks_started", t.auth_blocks_started},
      {"gre_unknown_call", t.gre_unknown_call},
      {"gre_wrong_peer", t.gre_wrong_peer},
      {"tun_dropped", t.tun_dropped},
      {"accept_errors", t.accept_errors},
      {"pool_size", pool_.size()},
      {"pool_free", pool_.size() - pool_.in_use()},
  };
  j.update(outcomes_json(t.outcomes));
  const Totals all = totals();
  j["bytes_in"] = all.traffic.bytes_in;
  j["bytes_out"] = all.traffic.bytes_out;
  j["packets_in"] = all.traffic.packets_in;
  j["packets_out"] = all.traffic.packets_out;
  j["tcp_mss_clamped"] = all.data_path.tcp_mss_clamped;
  const DropTables drops = drop_tables(all);
  auto object = [](const std::vector<NamedCount>& counts) {
    nlohmann::json o = nlohmann::json::object();
    for (const NamedCount& c : counts) o[std::string(c.name)] = c.value;
    return o;
  };
  j["drops"] = {{"data_path", object(drops.data_path)},
                {"mppe", object(drops.mppe)},
                {"control", object(drops.control)},
                {"ppp", object(drops.ppp)}};
  j["mppe_resets"] = object(drops.mppe_resets);
  if (admin_) {
    const AdminSocket::Stats& a = admin_->stats();
    j["control_socket"] = {{"requests", a.requests},
                           {"bad_requests", a.bad_requests},
                           {"clients_refused", a.clients_refused}};
  }
  return j;
}

// Every address and user with failed logins not yet forgotten: blocked
// (refused for blocked_seconds more) or delayed (its next login waits
// delay_seconds).
nlohmann::json Server::blocks_json() const {
  nlohmann::json list = nlohmann::json::array();
  auto secs = [](Duration d) { return std::chrono::ceil<seconds>(d).count(); };
  for (const AuthThrottle::Row& r : auth_throttle_.rows(loop_.now())) {
    list.push_back({{"kind", r.is_user ? "user" : "address"},
                    {"name", r.key},
                    {"failures", r.failures},
                    {"blocked", r.blocked_for > Duration::zero()},
                    {"blocked_seconds", secs(r.blocked_for)},
                    {"refused", r.refused},
                    {"delay_seconds", secs(r.next_delay)},
                    {"forgotten_in_seconds", secs(r.forgotten_in)}});
  }
  return list;
}

size_t Server::kill_sessions(const std::vector<Link*>& found, std::string_view reason) {
  Time now = loop_.now();
  // Ending one link may destroy others' objects: go by call ID.
  std::vector<uint16_t> ids;
  ids.reserve(found.size());
  for (const Link* l : found) ids.push_back(l->our_id);
  for (uint16_t id : ids) {
    Link* link = calls_.find(id);
    if (!link) continue;
    link->fail_setup(SetupFailure::kAdministrative);
    link->log.notice("disconnecting user '{}' ({}): {}", escaped(link->peer_name),
                     link->ppp_if ? link->ppp_if->name() : "no interface", reason);
    hang_up(*link, reason, now);
  }
  return ids.size();
}

nlohmann::json Server::admin_sessions(const app::AdminRequest& req) {
  if (req.command == "sessions") {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [id, link] : calls_.links()) list.push_back(session_json(*link, false));
    return {{"sessions", std::move(list)}};
  }
  auto found = match_sessions(req.target);
  if (found.empty()) return app::admin_error("no session matches '" + req.target + "'");
  if (req.command == "kill") {
    std::string reason = req.reason.empty() ? "disconnected by the administrator" : req.reason;
    return {{"killed", kill_sessions(found, reason)}};
  }
  nlohmann::json list = nlohmann::json::array();
  for (const Link* l : found) list.push_back(session_json(*l, true));
  return {{"sessions", std::move(list)}};
}

nlohmann::json Server::admin_request(const app::AdminRequest& req) {
  const std::string& cmd = req.command;
  if (cmd == "sessions" || cmd == "show" || cmd == "kill") return admin_sessions(req);
  if (cmd == "stats") return {{"stats", stats_json()}};
  if (cmd == "blocks")
    return {{"blocks", blocks_json()}, {"throttle", settings_.auth_throttle.enabled}};
  if (cmd == "unblock") {
    size_t n = auth_throttle_.clear(req.target);
    if (n == 0 && req.target != "all")
      return app::admin_error("no blocked or throttled address or user '" + req.target + "'");
    log_.notice("failed logins of {} forgotten by the administrator ({} entries)",
                escaped(req.target), n);
    return {{"unblocked", n}};
  }
  if (cmd == "version") return {{"version", admin_hooks_.version}};
  if (cmd == "debug") {
    if (!admin_hooks_.debug) return app::admin_error("debug cannot be switched here");
    admin_hooks_.debug(req.on);
    return {{"debug", req.on}};
  }
  if (cmd == "reload") {
    if (!admin_hooks_.reload) return app::admin_error("reload is not available");
    std::string problem = admin_hooks_.reload();
    if (!problem.empty()) return app::admin_error(problem);
    return {{"reloaded", true}};
  }
  return app::admin_error("unknown command '" + cmd + "'");
}

}  // namespace pptpx::server

// SPDX-License-Identifier: MIT
// RADIUS client transactions (see client.h).
#include "proto/radius/client.h"

#include <algorithm>
#include <chrono>

namespace pptpx::radius {

std::string ServerAddress::str() const { return address.str() + ":" + std::to_string(port); }

Client::Client(ClientConfig cfg, Rng& rng, Logger log)
    : cfg_(std::move(cfg)), rng_(rng), log_(std::move(log)) {
  cfg_.retries = std::max(cfg_.retries, 0);
  for (const ServerAddress& a : cfg_.auth_servers)
    servers_.push_back(ServerState{a, Service::kAuth, {}, 0, {}});
  for (const ServerAddress& a : cfg_.acct_servers)
    servers_.push_back(ServerState{a, Service::kAcct, {}, 0, {}});
}

// The servers of that kind: those answering first, in the configured order,
// then those that recently did not.
std::vector<size_t> Client::server_order(Service s, Time now) const {
  std::vector<size_t> alive, dead;
  for (size_t i = 0; i < servers_.size(); ++i) {
    if (servers_[i].service != s) continue;
    (servers_[i].dead_until > now ? dead : alive).push_back(i);
  }
  alive.insert(alive.end(), dead.begin(), dead.end());
  return alive;
}

RequestId Client::send(Packet p, Time now) {
  now_ = now;
  const RequestId rid = next_rid_++;
  ++stats_.requests;
  const Service s = p.code == Code::kAccessRequest ? Service::kAuth : Service::kAcct;
  Request& r = requests_[rid];
  r.rid = rid;
  r.packet = std::move(p);
  r.order = server_order(s, now);
  r.first_sent = now;
  if (r.order.empty()) {
    fail(r, s == Service::kAuth ? "no RADIUS authentication server is configured"
                                : "no RADIUS accounting server is configured");
    return rid;
  }
  start_on_server(r, now);
  return rid;
}

void Client::start_on_server(Request& r, Time now) {
  ServerState& srv = servers_[r.order[r.at]];
  r.sends = 0;
  for (int i = 0; i < 256; ++i) {
    const uint8_t id = static_cast<uint8_t>(srv.next_id + i);
    if (srv.by_id[id] != 0) continue;
    srv.by_id[id] = r.rid;
    srv.next_id = static_cast<uint8_t>(id + 1);
    r.id = id;
    r.has_id = true;
    transmit(r, now);
    return;
  }
  // All 256 identifiers of this server are in flight: wait for one.
  if (waiting_.size() >= cfg_.max_waiting) {
    fail(r, "too many RADIUS requests waiting (" + std::to_string(waiting_.size()) + ")");
    return;
  }
  set_deadline(r, kNever);
  waiting_.push_back(r.rid);
}

// (Re)signs r for its current server on the first send; a retransmission
// repeats the same octets (the same identifier and authenticator).
void Client::transmit(Request& r, Time now) {
  const ServerState& srv = servers_[r.order[r.at]];
  if (r.sends == 0) {
    Packet p = r.packet;
    p.id = r.id;
    if (p.code == Code::kAccessRequest) {
      rng_.fill(p.authenticator);
      r.auth = p.authenticator;
      r.wire = encode_access_request(std::move(p), srv.addr.secret);
    } else {
      if (p.code == Code::kAccountingRequest) {
        // How long the record waited to get here (RFC 2866 section 5.2).
        const auto waited = std::chrono::duration_cast<seconds>(now - r.first_sent).count();
        std::erase_if(p.attributes, [](const Attribute& a) {
          return a.vendor == 0 && a.type == attr::kAcctDelayTime;
        });
        p.add_u32(attr::kAcctDelayTime, static_cast<uint32_t>(waited));
      }
      r.wire = encode_signed_request(std::move(p), srv.addr.secret);
      std::copy(r.wire.begin() + 4, r.wire.begin() + 20, r.auth.begin());
    }
  } else {
    ++stats_.retransmitted;
  }
  ++r.sends;
  ++stats_.sent;
  tx_.push_back(Datagram{srv.addr.address, srv.addr.port, r.wire});
  set_deadline(r, now + cfg_.timeout);
}

void Client::release_id(Request& r) {
  if (!r.has_id) return;
  ServerState& srv = servers_[r.order[r.at]];
  if (srv.by_id[r.id] == r.rid) srv.by_id[r.id] = 0;
  r.has_id = false;
}

void Client::set_deadline(Request& r, Time t) {
  if (r.deadline != kNever) deadlines_.erase({r.deadline, r.rid});
  r.deadline = t;
  if (t != kNever) deadlines_.insert({t, r.rid});
}

void Client::fail(Request& r, std::string reason) {
  ++stats_.failed;
  events_.push_back(client_event::Failed{r.rid, std::move(reason)});
  erase(r.rid);
}

void Client::erase(RequestId rid) {
  auto it = requests_.find(rid);
  if (it == requests_.end()) return;
  Request& r = it->second;
  set_deadline(r, kNever);
  std::optional<size_t> server;
  if (r.has_id) server = r.order[r.at];
  release_id(r);
  std::erase(waiting_, rid);
  requests_.erase(it);
  if (server) admit_waiting(*server);
}

void Client::cancel(RequestId id) { erase(id); }

// A waiting request whose server now has a free identifier goes out.
void Client::admit_waiting(size_t server) {
  for (auto it = waiting_.begin(); it != waiting_.end(); ++it) {
    Request& r = requests_.at(*it);
    if (r.order[r.at] != server) continue;
    waiting_.erase(it);
    start_on_server(r, now_);
    return;
  }
}

void Client::on_timer(Time now) {
  now_ = now;
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    Request& r = requests_.at(deadlines_.begin()->second);
    if (r.sends <= cfg_.retries) {
      transmit(r, now);
      continue;
    }
    ServerState& srv = servers_[r.order[r.at]];
    srv.dead_until = now + cfg_.dead_time;
    const std::string who = srv.addr.str();
    const size_t server = r.order[r.at];
    release_id(r);
    set_deadline(r, kNever);
    if (r.at + 1 < r.order.size()) {
      ++r.at;
      ++stats_.failovers;
      log_.warn("RADIUS server {} did not answer {} after {} tries; trying {}", who,
                code_name(r.packet.code), r.sends, servers_[r.order[r.at]].addr.str());
      start_on_server(r, now);
    } else {
      fail(r, "no RADIUS server answered (" + who + " last, " + std::to_string(r.sends) +
                  " tries each, " +
                  std::to_string(std::chrono::duration_cast<seconds>(cfg_.timeout).count()) +
                  " s apart)");
    }
    admit_waiting(server);
  }
}

Time Client::next_deadline() const {
  return deadlines_.empty() ? kNever : deadlines_.begin()->first;
}

void Client::on_datagram(Ipv4 from, uint16_t port, ByteView data, Time now) {
  now_ = now;
  auto srv_it = std::find_if(servers_.begin(), servers_.end(), [&](const ServerState& s) {
    return s.addr.address == from && s.addr.port == port;
  });
  if (srv_it == servers_.end()) {
    ++stats_.unknown_source;
    log_.debug("RADIUS: dropped a datagram from {}:{}, not a configured server", from.str(), port);
    return;
  }
  if (data.size() < kHeaderSize) {
    ++stats_.malformed;
    return;
  }
  const RequestId rid = srv_it->by_id[data[1]];
  auto it = requests_.find(rid);
  const auto code = static_cast<Code>(data[0]);
  const bool auth = srv_it->service == Service::kAuth;
  const bool code_ok = auth ? (code == Code::kAccessAccept || code == Code::kAccessReject ||
                               code == Code::kAccessChallenge)
                            : code == Code::kAccountingResponse;
  if (rid == 0 || it == requests_.end() || !code_ok) {
    ++stats_.unmatched;
    log_.debug("RADIUS: dropped {} id {} from {}: no request waits for it", code_name(code),
               data[1], srv_it->addr.str());
    return;
  }
  Request& r = it->second;
  const Verdict v = verify_response(data, r.auth, srv_it->addr.secret,
                                    auth && cfg_.require_message_authenticator);
  if (v != Verdict::kOk) {
    ++stats_.bad_authenticator;
    log_.debug("RADIUS: dropped {} id {} from {}: {}", code_name(code), data[1], srv_it->addr.str(),
               verdict_name(v));
    return;
  }
  ParseResult p = parse(data);
  if (!p.ok()) {
    ++stats_.malformed;
    return;
  }
  ++stats_.answered;
  events_.push_back(client_event::Answered{rid, std::move(p.packet), r.auth, srv_it->addr.str(),
                                           srv_it->addr.secret});
  erase(rid);
}

std::optional<Datagram> Client::poll_transmit() {
  if (tx_.empty()) return std::nullopt;
  Datagram d = std::move(tx_.front());
  tx_.pop_front();
  return d;
}

std::optional<ClientEvent> Client::poll_event() {
  if (events_.empty()) return std::nullopt;
  ClientEvent e = std::move(events_.front());
  events_.pop_front();
  return e;
}

}  // namespace pptpx::radius

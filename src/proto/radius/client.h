// SPDX-License-Identifier: MIT
// A RADIUS client's transactions, sans-I/O: it numbers requests per
// server, signs them (radius.h), retransmits after the timeout, fails over
// to the next server after the retries, puts a server that did not answer
// last for a while (and back first after it), and matches each datagram
// that comes back to its request - by source, identifier and a verified
// authenticator - so that nothing forged or stale completes a request.
// The application owns the UDP socket and the clock:
//   - send(): a request (Access-Request or Accounting-Request) goes out;
//   - poll_transmit(): datagrams to send;
//   - on_datagram(): what came back on the socket;
//   - on_timer() at next_deadline();
//   - poll_event(): a request answered (with the verified response) or
//     failed (no server answered), each once.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "base/bytes.h"
#include "base/ip.h"
#include "base/log.h"
#include "base/rng.h"
#include "base/time.h"
#include "proto/radius/radius.h"

namespace pptpx::radius {

struct ServerAddress {
  Ipv4 address;
  uint16_t port = 0;
  std::string secret;
  std::string str() const;  // "ADDR:PORT", for logs
};

enum class Service : uint8_t { kAuth, kAcct };

struct ClientConfig {
  std::vector<ServerAddress> auth_servers;  // in order of preference
  std::vector<ServerAddress> acct_servers;
  // radiusclient.conf's radius_timeout and radius_retries: each server is
  // sent a request 1 + retries times, timeout apart, before the next one.
  Duration timeout = seconds(10);
  int retries = 3;
  // A server that let a request time out goes last in the order for this
  // long (the others are tried first); then first again.
  Duration dead_time = seconds(30);
  // BlastRADIUS (CVE-2024-3596): an Access-Accept, -Reject or -Challenge
  // without a valid Message-Authenticator is dropped.
  bool require_message_authenticator = true;
  // Requests waiting for an identifier beyond this fail at once.
  size_t max_waiting = 4096;
};

using RequestId = uint64_t;

namespace client_event {
// A verified response; request_authenticator is what decrypts its hidden
// attributes (MS-MPPE keys).
struct Answered {
  RequestId request = 0;
  Packet response;
  Authenticator request_authenticator{};
  std::string server;  // "ADDR:PORT"
  std::string secret;  // the server's, for the hidden attributes
};
struct Failed {
  RequestId request = 0;
  std::string reason;  // a sentence for the log
};
}  // namespace client_event
using ClientEvent = std::variant<client_event::Answered, client_event::Failed>;

struct Datagram {
  Ipv4 address;
  uint16_t port = 0;
  Bytes bytes;
};

struct ClientStats {
  uint64_t requests = 0;
  uint64_t sent = 0;  // datagrams, retransmissions included
  uint64_t retransmitted = 0;
  uint64_t answered = 0;
  uint64_t failed = 0;          // no server answered (or too many waiting)
  uint64_t failovers = 0;       // a request moved to the next server
  uint64_t unknown_source = 0;  // a datagram from no configured server
  uint64_t unmatched = 0;       // no request waits with its identifier, or the wrong code
  uint64_t bad_authenticator = 0;
  uint64_t malformed = 0;
};

class Client {
 public:
  Client(ClientConfig cfg, Rng& rng, Logger log);
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // p.code says the kind: Access-Request goes to the authentication
  // servers, anything else to the accounting servers. p.id and
  // p.authenticator are set here. With no server of that kind, the
  // request fails at once (a Failed event).
  RequestId send(Packet p, Time now);
  // Forgets a request (its session is gone): no event will come for it.
  void cancel(RequestId id);

  void on_datagram(Ipv4 from, uint16_t port, ByteView data, Time now);
  std::optional<Datagram> poll_transmit();
  void on_timer(Time now);
  Time next_deadline() const;
  std::optional<ClientEvent> poll_event();

  const ClientStats& stats() const { return stats_; }
  size_t outstanding() const { return requests_.size(); }

 private:
  struct ServerState {
    ServerAddress addr;
    Service service = Service::kAuth;
    std::array<RequestId, 256> by_id{};  // 0: free
    uint8_t next_id = 0;
    Time dead_until{};
  };
  struct Request {
    RequestId rid = 0;
    Packet packet;              // as given, before signing
    std::vector<size_t> order;  // servers to try, in order
    size_t at = 0;              // index into order
    int sends = 0;              // to the current server
    bool has_id = false;
    uint8_t id = 0;
    Authenticator auth{};
    Bytes wire;
    Time first_sent{};
    Time deadline = kNever;
  };

  std::vector<size_t> server_order(Service s, Time now) const;
  // Sends r to order[at], or queues it for an identifier (or fails it when
  // too many wait: then r is gone).
  void start_on_server(Request& r, Time now);
  void transmit(Request& r, Time now);
  void release_id(Request& r);
  void set_deadline(Request& r, Time t);
  void fail(Request& r, std::string reason);
  void erase(RequestId rid);
  // A request waiting for an identifier on server gets the one just freed.
  void admit_waiting(size_t server);

  ClientConfig cfg_;
  Rng& rng_;
  Logger log_;
  std::vector<ServerState> servers_;
  std::map<RequestId, Request> requests_;
  std::set<std::pair<Time, RequestId>> deadlines_;
  std::deque<RequestId> waiting_;  // for an identifier on their server
  std::deque<Datagram> tx_;
  std::deque<ClientEvent> events_;
  RequestId next_rid_ = 1;
  Time now_{};  // as of the last call that told the time
  ClientStats stats_;
};

}  // namespace pptpx::radius

// SPDX-License-Identifier: MIT
// The data path on the server: GRE datagrams to their call, IP packets
// between each call and its pppN interface (see server.h).
#include "app/server/server.h"

namespace pptpx::server {

void Server::on_gre_datagram(session::GreDatagram& g) {
  const uint16_t id = g.header.call_id;
  Link* link = calls_.find(id);
  if (!link) {
    stats_.gre_unknown_call++;
    return;
  }
  if (link->peer_addr != g.src) {
    stats_.gre_wrong_peer++;
    if (link->log.enabled(LogLevel::kDebug))
      link->log.debug("GRE for this call from {} dropped (peer is {})", g.src.str(),
                      link->peer_addr.str());
    return;
  }
  link->gre_seen = true;
  if (!link->call.opened()) open_call(*link);
  if (calls_.find(id) != link) return;
  ByteView ip = link->call.receive(g.header, g.payload, loop_.now());
  if (!ip.empty()) deliver_ip(*link, ip);
  deliver_released(*link);
  if (calls_.find(id) == link) service_call(*link);
}

// An ICMP error (or our host's refusal of a DF probe) about GRE we sent to
// a client: to each of its calls the quoted call ID names (every call to
// that address when none was quoted). The scan is bounded by the errors
// read per wakeup (GrePort::kErrorBatch).
void Server::on_gre_error(const session::PathError& e, uint16_t peer_call_id) {
  std::vector<uint16_t> hit;
  for (const auto& [id, link] : calls_.links()) {
    if (link->peer_addr != e.peer) continue;
    if (peer_call_id != 0 && link->peer_id != peer_call_id) continue;
    hit.push_back(id);
  }
  for (uint16_t id : hit) {
    Link* link = calls_.find(id);
    if (!link) continue;
    link->call.on_path_error(e, loop_.now());
    if (calls_.find(id) == link) service_call(*link);
  }
}

void Server::deliver_ip(Link& link, ByteView ip) {
  if (!link.ip_up || !link.ppp_if) {
    stats_.data_before_up++;
    return;
  }
  if (!link.ppp_if->write(ip)) stats_.tun_dropped++;
}

// Packets out of the reorder window, in order. Control frames among them
// can end the call: stop then.
void Server::deliver_released(Link& link) {
  const uint16_t id = link.our_id;
  Time now = loop_.now();
  while (calls_.find(id) == &link) {
    ByteView ip = link.call.next_released(now);
    if (ip.empty()) break;
    deliver_ip(link, ip);
  }
}

void Server::on_tun_readable(Link& link) {
  if (!link.ppp_if) return;
  gre_->send_from(*link.ppp_if, link.call, link.peer_addr, link.local_addr, loop_.now());
  service_call(link);
}

}  // namespace pptpx::server

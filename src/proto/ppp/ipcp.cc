// SPDX-License-Identifier: MIT
// IPCP (RFC 1332, RFC 1877) and IPV6CP (RFC 5072) options.
#include "proto/ppp/ipcp.h"

#include <algorithm>

namespace pptpx::ppp {
namespace {

void put_addr_option(Bytes& out, uint8_t type, Ipv4 a) { put_option_u32(out, type, a.value); }

void nak_addr(RequestJudge& judge, const Option* o, uint8_t type, Ipv4 a) {
  uint8_t v[4];
  put_u32(v, a.value);
  judge.nak(o, type, v);
}

bool is_addr_option(uint8_t t) {
  return t == kIpcpAddress || t == kIpcpDns1 || t == kIpcpNbns1 || t == kIpcpDns2 ||
         t == kIpcpNbns2;
}

}  // namespace

IpcpOptions::Want* IpcpOptions::find(uint8_t type) {
  for (Want& w : want_)
    if (w.type == type) return &w;
  return nullptr;
}

void IpcpOptions::reset_request() {
  want_ = {Want{true, kIpcpAddress, {}}, Want{false, kIpcpDns1, {}}, Want{false, kIpcpNbns1, {}},
           Want{false, kIpcpDns2, {}}, Want{false, kIpcpNbns2, {}}};
  if (server_) {
    want_[0].value = ip_.local;
  } else {
    want_[0].value = client_.local.value_or(Ipv4{});
    want_[1].send = want_[3].send = client_.request_dns;
    want_[2].send = want_[4].send = client_.request_wins;
  }
  nak_added_address_ = false;
  local_ = {};
  got_ = {};
}

void IpcpOptions::build_request(Bytes& out) {
  for (const Want& w : want_)
    if (w.send) put_addr_option(out, w.type, w.value);
}

void IpcpOptions::judge_request(const std::vector<Option>& options, RequestJudge& judge) {
  pending_peer_addr_ = {};
  if (server_)
    judge_server(options, judge);
  else
    judge_client(options, judge);
}

void IpcpOptions::judge_server(const std::vector<Option>& options, RequestJudge& judge) {
  bool saw_address = false;
  for (const Option& o : options) {
    if (!is_addr_option(o.type) || o.value.size() != 4) {
      // IP-Addresses (1), VJ compression (2) and anything unknown or malformed.
      judge.reject(o);
      continue;
    }
    Ipv4 v{get_u32(o.value.data())};
    std::optional<Ipv4> ours;
    switch (o.type) {
      case kIpcpAddress:
        saw_address = true;
        ours = ip_.remote;
        pending_peer_addr_ = v;
        break;
      case kIpcpDns1: ours = ip_.dns1; break;
      case kIpcpDns2: ours = ip_.dns2; break;
      case kIpcpNbns1: ours = ip_.wins1; break;
      case kIpcpNbns2: ours = ip_.wins2; break;
      default: break;
    }
    if (!ours)
      judge.reject(o);
    else if (v != *ours)
      nak_addr(judge, &o, o.type, *ours);
  }
  // A peer that asks for no address is told which one it has, once.
  if (!saw_address && !nak_added_address_ && judge.nak_allowed()) {
    nak_added_address_ = true;
    nak_addr(judge, nullptr, kIpcpAddress, ip_.remote);
  }
}

void IpcpOptions::judge_client(const std::vector<Option>& options, RequestJudge& judge) {
  for (const Option& o : options) {
    if (o.type == kIpcpAddress && o.value.size() == 4 && get_u32(o.value.data()) != 0) {
      pending_peer_addr_ = Ipv4{get_u32(o.value.data())};
    } else {
      judge.reject(o);
    }
  }
}

void IpcpOptions::on_ack(const std::vector<Option>&) {
  local_ = want_[0].send ? want_[0].value : Ipv4{};
  auto got = [this](size_t i) {
    return want_[i].send && !want_[i].value.is_zero() ? std::optional(want_[i].value)
                                                      : std::nullopt;
  };
  got_.dns1 = got(1);
  got_.wins1 = got(2);
  got_.dns2 = got(3);
  got_.wins2 = got(4);
}

bool IpcpOptions::on_nak(const std::vector<Option>& options) {
  for (const Option& o : options) {
    Want* w = find(o.type);
    if (w == nullptr || !w->send) continue;  // suggestions for options we did not ask about
    if (o.value.size() != 4) return false;
    // The server insists on its own address; the client takes what it is given.
    if (server_ && o.type == kIpcpAddress) continue;
    w->value = Ipv4{get_u32(o.value.data())};
  }
  return true;
}

bool IpcpOptions::on_reject(const std::vector<Option>& options) {
  for (const Option& o : options)
    if (Want* w = find(o.type)) w->send = false;
  return true;
}

InterfaceId Ipv6cpOptions::random_id(const InterfaceId& avoid) {
  InterfaceId id{};
  const InterfaceId zero{};
  while (id == zero || id == avoid) rng_.fill(id);
  return id;
}

void Ipv6cpOptions::reset_request() {
  send_id_ = true;
  want_id_ = random_id(peer_id_);
  local_id_ = {};
}

void Ipv6cpOptions::build_request(Bytes& out) {
  if (send_id_) put_option(out, kIpv6cpInterfaceId, want_id_);
}

void Ipv6cpOptions::judge_request(const std::vector<Option>& options, RequestJudge& judge) {
  pending_peer_id_ = {};
  const InterfaceId zero{};
  for (const Option& o : options) {
    if (o.type != kIpv6cpInterfaceId || o.value.size() != 8) {
      judge.reject(o);
      continue;
    }
    InterfaceId id;
    std::copy(o.value.begin(), o.value.end(), id.begin());
    if (id == zero || (send_id_ && id == want_id_)) {
      InterfaceId suggestion = random_id(want_id_);
      judge.nak(&o, kIpv6cpInterfaceId, suggestion);
    } else {
      pending_peer_id_ = id;
    }
  }
}

void Ipv6cpOptions::on_ack(const std::vector<Option>&) {
  local_id_ = send_id_ ? want_id_ : InterfaceId{};
}

bool Ipv6cpOptions::on_nak(const std::vector<Option>& options) {
  const InterfaceId zero{};
  for (const Option& o : options) {
    if (o.type != kIpv6cpInterfaceId) continue;
    if (o.value.size() != 8) return false;
    InterfaceId id;
    std::copy(o.value.begin(), o.value.end(), id.begin());
    want_id_ = (id == zero || id == peer_id_) ? random_id(peer_id_) : id;
  }
  return true;
}

bool Ipv6cpOptions::on_reject(const std::vector<Option>& options) {
  for (const Option& o : options)
    if (o.type == kIpv6cpInterfaceId) send_id_ = false;
  return true;
}

}  // namespace pptpx::ppp

// SPDX-License-Identifier: MIT
// IPCP (RFC 1332, RFC 1877 DNS/NBNS options) and IPV6CP (RFC 5072) option
// handling, plugged into Fsm. The server side assigns the peer's address and
// hands out DNS/NBNS; the client side asks for an address and, when told to,
// for DNS/NBNS servers.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "base/ip.h"
#include "base/rng.h"
#include "proto/ppp/fsm.h"

namespace pptpx::ppp {

inline constexpr uint8_t kIpcpAddresses = 1;
inline constexpr uint8_t kIpcpCompression = 2;
inline constexpr uint8_t kIpcpAddress = 3;
inline constexpr uint8_t kIpcpDns1 = 129;
inline constexpr uint8_t kIpcpNbns1 = 130;
inline constexpr uint8_t kIpcpDns2 = 131;
inline constexpr uint8_t kIpcpNbns2 = 132;
inline constexpr uint8_t kIpv6cpInterfaceId = 1;

// Server: what the application assigned for this link.
struct IpConfig : NameServers {
  Ipv4 local;
  Ipv4 remote;
};

// Client: what we ask the server for.
struct IpcpClientOptions {
  std::optional<Ipv4> local;  // requested address (default: 0.0.0.0, "assign me one")
  bool request_dns = false;   // pppd usepeerdns
  bool request_wins = false;  // pppd 2.5 usepeerwins
};

class IpcpOptions final : public FsmHandler {
 public:
  explicit IpcpOptions(bool server) : server_(server) {}
  void configure_server(const IpConfig& ip) { ip_ = ip; }
  void configure_client(const IpcpClientOptions& c) { client_ = c; }

  void reset_request() override;
  void build_request(Bytes& options) override;
  void judge_request(const std::vector<Option>& options, RequestJudge& judge) override;
  void on_request_acked() override { peer_addr_ = pending_peer_addr_; }
  void on_ack(const std::vector<Option>& options) override;
  bool on_nak(const std::vector<Option>& options) override;
  bool on_reject(const std::vector<Option>& options) override;

  Ipv4 local() const { return local_; }       // our address as acked by the peer
  Ipv4 remote() const { return peer_addr_; }  // the peer's address as we acked it
  // The name servers the peer gave us (client).
  const NameServers& servers() const { return got_; }
  std::optional<Ipv4> dns1() const { return got_.dns1; }
  std::optional<Ipv4> dns2() const { return got_.dns2; }
  std::optional<Ipv4> wins1() const { return got_.wins1; }
  std::optional<Ipv4> wins2() const { return got_.wins2; }

 private:
  // Requested options in order: address, DNS1, NBNS1, DNS2, NBNS2.
  struct Want {
    bool send = false;
    uint8_t type = 0;
    Ipv4 value;
  };
  void judge_server(const std::vector<Option>& options, RequestJudge& judge);
  void judge_client(const std::vector<Option>& options, RequestJudge& judge);
  Want* find(uint8_t type);

  bool server_;
  IpConfig ip_;
  IpcpClientOptions client_;
  std::array<Want, 5> want_{};
  bool nak_added_address_ = false;
  Ipv4 pending_peer_addr_;
  Ipv4 peer_addr_;
  Ipv4 local_;
  NameServers got_;
};

using InterfaceId = std::array<uint8_t, 8>;

class Ipv6cpOptions final : public FsmHandler {
 public:
  explicit Ipv6cpOptions(Rng& rng) : rng_(rng) {}

  void reset_request() override;
  void build_request(Bytes& options) override;
  void judge_request(const std::vector<Option>& options, RequestJudge& judge) override;
  void on_request_acked() override { peer_id_ = pending_peer_id_; }
  void on_ack(const std::vector<Option>& options) override;
  bool on_nak(const std::vector<Option>& options) override;
  bool on_reject(const std::vector<Option>& options) override;

  const InterfaceId& local_id() const { return local_id_; }
  const InterfaceId& peer_id() const { return peer_id_; }

 private:
  InterfaceId random_id(const InterfaceId& avoid);

  Rng& rng_;
  bool send_id_ = true;
  InterfaceId want_id_{};
  InterfaceId local_id_{};
  InterfaceId pending_peer_id_{};
  InterfaceId peer_id_{};
};

}  // namespace pptpx::ppp

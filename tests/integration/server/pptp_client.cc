// SPDX-License-Identifier: MIT
// In-test PPTP client (see pptp_client.h).
#include "integration/server/pptp_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <variant>

#include "base/overloaded.h"
#include "proto/ppp/frame.h"
#include "proto/ppp/protocols.h"

namespace pptpx::integ {

namespace {

sockaddr_in make_addr(const std::string& ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  return a;
}

Time now_time() { return Clock::now(); }

ppp::SessionConfig session_config(const ClientOptions& o) {
  ppp::SessionConfig sc;
  sc.role = ppp::Role::kAuthenticatee;
  sc.auth.allowed = {ppp::AuthProtocol::kMsChapV2};
  sc.auth.authenticatee.user = o.user;
  sc.mppe = o.mppe;
  sc.ipcp_client.request_dns = o.request_dns;
  return sc;
}

pptp::ClientControlConfig control_config() {
  pptp::ClientControlConfig c;
  c.host_name = "integ";
  c.reply_timeout = seconds(3);
  c.establish_timeout = seconds(5);
  c.echo_interval = seconds(0);
  return c;
}

}  // namespace

StderrSink::StderrSink() : on_(std::getenv("PPTPX_IT_DEBUG") != nullptr) {}

void StderrSink::write(LogLevel, std::string_view line) {
  std::fprintf(stderr, "client: %.*s\n", static_cast<int>(line.size()), line.data());
}

PptpClient::PptpClient(ClientOptions opts)
    : opts_(std::move(opts)),
      log_(sink_),
      control_(control_config(), log_.child("ctrl"), now_time()) {
  crypto::init();
  server_ = Ipv4::parse(opts_.server_addr).value_or(Ipv4{});
}

PptpClient::~PptpClient() {
  if (tcp_fd_ >= 0) close(tcp_fd_);
  if (gre_fd_ >= 0) close(gre_fd_);
}

bool PptpClient::start() {
  gre_fd_ = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_GRE);
  if (gre_fd_ < 0) {
    error_ = std::string("raw GRE socket: ") + std::strerror(errno);
    return false;
  }
  sockaddr_in local = make_addr(opts_.local_addr, 0);
  sockaddr_in remote = make_addr(opts_.server_addr, 0);
  if (bind(gre_fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
      connect(gre_fd_, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) {
    error_ = std::string("GRE bind/connect: ") + std::strerror(errno);
    return false;
  }

  tcp_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{3, 0};
  setsockopt(tcp_fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in srv = make_addr(opts_.server_addr, 1723);
  if (bind(tcp_fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
      connect(tcp_fd_, reinterpret_cast<sockaddr*>(&srv), sizeof srv) != 0) {
    error_ = std::string("TCP connect: ") + std::strerror(errno);
    return false;
  }
  fcntl(tcp_fd_, F_SETFL, fcntl(tcp_fd_, F_GETFL) | O_NONBLOCK);

  Time now = now_time();
  control_.start(now);
  pptp::CallParams p;
  p.call_id = opts_.call_id;
  p.serial = 1;
  control_.place_call(p, now);
  pump(now);
  return true;
}

bool PptpClient::run_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  Time end = now_time() + timeout;
  while (!pred()) {
    if (now_time() >= end) return pred();
    step(end);
  }
  return true;
}

void PptpClient::run_for(std::chrono::milliseconds d) {
  Time end = now_time() + d;
  while (now_time() < end) step(end);
}

void PptpClient::step(Time until) {
  Time now = now_time();
  Time wake = std::min(until, now + milliseconds(50));
  wake = std::min(wake, control_.next_deadline());
  if (session_) wake = std::min(wake, session_->next_deadline());
  if (channel_) wake = std::min(wake, channel_->next_deadline());
  int ms = static_cast<int>(
      std::max<int64_t>(0, std::chrono::duration_cast<milliseconds>(wake - now).count()));
  pollfd fds[2] = {{tcp_fd_, static_cast<short>(tcp_eof ? 0 : POLLIN), 0}, {gre_fd_, POLLIN, 0}};
  poll(fds, 2, ms);
  now = now_time();
  if (fds[0].revents) read_tcp(now);
  if (fds[1].revents & POLLIN) read_gre(now);
  if (control_.next_deadline() <= now) control_.on_timer(now);
  if (session_ && session_->next_deadline() <= now) session_->on_timer(now);
  if (channel_ && channel_->next_deadline() <= now) {
    if (auto h = channel_->on_timer(now)) {
      uint8_t hdr[gre::kMaxHeaderSize];
      size_t n = gre::write_header(hdr, *h);
      send_raw_gre(ByteView(hdr, n));
    }
  }
  pump(now);
}

void PptpClient::read_tcp(Time now) {
  uint8_t buf[4096];
  for (;;) {
    ssize_t n = recv(tcp_fd_, buf, sizeof buf, 0);
    if (n > 0) {
      control_.on_bytes(ByteView(buf, static_cast<size_t>(n)), now);
      continue;
    }
    if (n == 0 || (errno != EAGAIN && errno != EINTR)) tcp_eof = true;
    return;
  }
}

void PptpClient::read_gre(Time now) {
  uint8_t buf[4096];
  for (;;) {
    ssize_t n = recv(gre_fd_, buf, sizeof buf, 0);
    if (n <= 0) return;
    on_gre(ByteView(buf, static_cast<size_t>(n)), now);
  }
}

void PptpClient::on_gre(ByteView packet, Time now) {
  auto ip = gre::parse_ipv4(packet);
  if (!ip.ok() || ip.packet.src != server_ || ip.packet.protocol != gre::kIpProtocolGre) return;
  auto g = gre::parse(ip.packet.payload);
  if (g.ok() && g.packet.header.call_id == opts_.call_id && !channel_) {
    ++early_gre;
    if (opts_.keep_early_gre) early_.emplace_back(packet.begin(), packet.end());
    return;
  }
  if (!g.ok() || g.packet.header.call_id != opts_.call_id || !channel_) {
    ++gre_other;
    return;
  }
  if (channel_->on_receive(g.packet.header, g.packet.payload, now) != gre::Verdict::kDeliver)
    return;
  on_frame(g.packet.payload, now);
}

void PptpClient::on_frame(ByteView frame, Time now) {
  auto f = ppp::parse_frame(frame);
  if (!f) return;
  if (f->protocol == ppp::kProtoMppe) {
    if (!dec_) {
      ++mppe_errors;
      return;
    }
    Bytes copy(f->info.begin(), f->info.end());
    auto r = dec_->decrypt(MutableByteView(copy));
    if (!r.ok()) {
      ++mppe_errors;
      return;
    }
    ByteView pt = r.plaintext;
    if (pt.size() >= 2 && get_u16(pt.data()) == ppp::kProtoIp)
      ip_in.emplace_back(pt.begin() + 2, pt.end());
    else if (!pt.empty() && pt[0] == ppp::kProtoIp)
      ip_in.emplace_back(pt.begin() + 1, pt.end());
    return;
  }
  if (f->protocol == ppp::kProtoIp) {
    ip_in.emplace_back(f->info.begin(), f->info.end());
    return;
  }
  control_frames.push_back({f->protocol, Bytes(f->info.begin(), f->info.end())});
  if (session_) session_->on_control(f->protocol, f->info, now);
}

void PptpClient::pump(Time now) {
  for (int guard = 0; guard < 64; ++guard) {
    bool progress = false;
    while (auto ev = control_.poll_event()) {
      progress = true;
      if (auto* cc = std::get_if<pptp::CallConnected>(&*ev)) {
        peer_call_id_ = cc->peer_call_id;
        gre::ChannelConfig gc;
        gc.peer_call_id = cc->peer_call_id;
        gc.peer_window = cc->recv_window;
        channel_.emplace(gc);
        session_ =
            std::make_unique<ppp::Session>(session_config(opts_), rng_, log_.child("ppp"), now);
        session_->open(now);
        control_events.push_back(std::move(*ev));
        for (const Bytes& p : std::exchange(early_, {})) on_gre(p, now);
        continue;
      }
      control_events.push_back(std::move(*ev));
    }
    if (session_) {
      if (session_->pending_secret_request()) {
        session_->provide_secret(opts_.password, now);
        progress = true;
      }
      for (const Bytes& f : session_->take_frames()) send_gre_payload(f, now);
      while (auto ev = session_->poll_event()) {
        progress = true;
        on_session_event(*ev);
        session_events.push_back(std::move(*ev));
      }
      for (const Bytes& f : session_->take_frames()) send_gre_payload(f, now);
    }
    Bytes out = control_.take_output();
    if (!out.empty() && !tcp_eof) {
      // Control messages are small: a blocking-style retry loop suffices.
      size_t off = 0;
      for (int tries = 0; off < out.size() && tries < 100; ++tries) {
        ssize_t n = send(tcp_fd_, out.data() + off, out.size() - off, MSG_NOSIGNAL);
        if (n > 0)
          off += static_cast<size_t>(n);
        else if (errno != EAGAIN && errno != EINTR)
          break;
        else
          poll(nullptr, 0, 5);
      }
    }
    if (!progress) break;
  }
}

void PptpClient::on_session_event(ppp::SessionEvent& ev) {
  std::visit(Overloaded{
                 [&](ppp::event::IpUp& up) { ip_up_ = up; },
                 [&](ppp::event::CcpUp& up) {
                   ccp_up_ = up;
                   mppe::Settings s;
                   s.bits = up.key_bits;
                   s.stateless = up.stateless;
                   bool wide = up.key_bits == 128;
                   enc_.emplace(wide ? up.keys.send.data() : up.keys.send64.data(), s);
                   dec_.emplace(wide ? up.keys.recv.data() : up.keys.recv64.data(), s);
                 },
                 [&](ppp::event::CcpDown&) {
                   enc_.reset();
                   dec_.reset();
                 },
                 [&](ppp::event::ResetRequested&) {
                   if (enc_) enc_->request_flush();
                 },
                 [&](ppp::event::AuthFailed& f) { auth_failed_ = f; },
                 [&](ppp::event::Finished& f) { finished_ = f; },
                 [&](auto&) {},
             },
             ev);
}

void PptpClient::send_gre_payload(ByteView ppp, Time now) {
  if (!channel_) return;
  Bytes pkt(gre::kMaxHeaderSize + ppp.size());
  gre::Header h = channel_->next_data_header(static_cast<uint16_t>(ppp.size()), now);
  size_t hl = gre::write_header(pkt.data(), h);
  std::memcpy(pkt.data() + hl, ppp.data(), ppp.size());
  pkt.resize(hl + ppp.size());
  send_raw_gre(pkt);
}

void PptpClient::send_ppp_frame(ByteView frame) { send_gre_payload(frame, now_time()); }

void PptpClient::send_ppp(uint16_t protocol, ByteView info) {
  bool acfc = session_ && session_->tx_acfc();
  bool pfc = session_ && session_->tx_pfc();
  Bytes frame;
  ppp::encode_frame(protocol, info, acfc, pfc, frame);
  send_ppp_frame(frame);
}

void PptpClient::send_ip(ByteView ip) {
  if (!enc_) {
    send_ppp(ppp::kProtoIp, ip);
    return;
  }
  Bytes buf(mppe::kHeaderSize + 2 + ip.size());
  put_u16(&buf[2], ppp::kProtoIp);
  std::memcpy(&buf[4], ip.data(), ip.size());
  enc_->encrypt(buf.data(), buf.size());
  send_ppp(ppp::kProtoMppe, buf);
}

void PptpClient::send_raw_gre(ByteView gre) {
  if (gre_fd_ >= 0) send(gre_fd_, gre.data(), gre.size(), 0);
}

bool PptpClient::ping(Ipv4 src, Ipv4 dst, uint16_t id, uint16_t seq,
                      std::chrono::milliseconds timeout) {
  Time end = now_time() + timeout;
  while (now_time() < end) {
    send_ip(make_icmp_echo(src, dst, id, seq));
    bool got = run_until(
        [&] {
          return std::any_of(ip_in.begin(), ip_in.end(), [&](const Bytes& p) {
            return is_icmp_echo_reply(p, dst, src, id, seq);
          });
        },
        std::min<std::chrono::milliseconds>(
            milliseconds(250),
            std::chrono::duration_cast<milliseconds>(end - now_time()) + milliseconds(1)));
    if (got) return true;
  }
  return false;
}

void PptpClient::close_session(std::string_view reason) {
  if (!session_) return;
  Time now = now_time();
  session_->close(reason, now);
  pump(now);
}

void PptpClient::hangup() {
  Time now = now_time();
  control_.hangup(now);
  pump(now);
}

uint16_t inet_checksum(ByteView data) {
  uint32_t sum = 0;
  size_t i = 0;
  for (; i + 1 < data.size(); i += 2) sum += get_u16(&data[i]);
  if (i < data.size()) sum += static_cast<uint32_t>(data[i]) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

Bytes make_icmp_echo(Ipv4 src, Ipv4 dst, uint16_t id, uint16_t seq) {
  constexpr size_t kPayload = 32;
  Bytes p(20 + 8 + kPayload, 0);
  p[0] = 0x45;
  put_u16(&p[2], static_cast<uint16_t>(p.size()));
  put_u16(&p[4], seq);  // IP identification
  p[8] = 64;            // TTL
  p[9] = 1;             // ICMP
  put_u32(&p[12], src.value);
  put_u32(&p[16], dst.value);
  put_u16(&p[10], inet_checksum(ByteView(p.data(), 20)));
  uint8_t* icmp = &p[20];
  icmp[0] = 8;
  put_u16(icmp + 4, id);
  put_u16(icmp + 6, seq);
  for (size_t i = 0; i < kPayload; ++i) icmp[8 + i] = static_cast<uint8_t>(0xA0 + i);
  put_u16(icmp + 2, inet_checksum(ByteView(icmp, 8 + kPayload)));
  return p;
}

bool is_icmp_echo_reply(ByteView ip, Ipv4 src, Ipv4 dst, uint16_t id, uint16_t seq) {
  if (ip.size() < 28 || (ip[0] >> 4) != 4) return false;
  size_t ihl = static_cast<size_t>(ip[0] & 0x0f) * 4;
  if (ihl < 20 || ip.size() < ihl + 8 || ip[9] != 1) return false;
  if (get_u32(&ip[12]) != src.value || get_u32(&ip[16]) != dst.value) return false;
  const uint8_t* icmp = &ip[ihl];
  return icmp[0] == 0 && icmp[1] == 0 && get_u16(icmp + 4) == id && get_u16(icmp + 6) == seq &&
         inet_checksum(ByteView(icmp, ip.size() - ihl)) == 0;
}

}  // namespace pptpx::integ

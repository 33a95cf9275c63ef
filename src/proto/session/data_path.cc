// SPDX-License-Identifier: MIT
#include "proto/session/data_path.h"

#include <cstring>

#include "proto/ppp/frame.h"
#include "proto/ppp/protocols.h"
#include "proto/session/tcp_mss.h"

namespace pptpx::session {

std::optional<GreDatagram> parse_gre_datagram(MutableByteView datagram, IngressStats& stats,
                                              const Logger& log) {
  auto ip = gre::parse_ipv4(datagram);
  if (!ip.ok() || ip.packet.protocol != gre::kIpProtocolGre) {
    stats.not_gre++;
    return std::nullopt;
  }
  auto g = gre::parse(ip.packet.payload);
  if (!g.ok()) {
    stats.malformed++;
    stats.why.count(g.error);
    if (log.enabled(LogLevel::kDebug))
      log.debug("GRE from {} dropped: {}", ip.packet.src.str(), gre::parse_error_name(g.error));
    return std::nullopt;
  }
  // The parsers hand out read-only views; the payload is the datagram's own.
  const auto off = static_cast<size_t>(g.packet.payload.data() - datagram.data());
  return GreDatagram{ip.packet.src, g.packet.header,
                     datagram.subspan(off, g.packet.payload.size())};
}

namespace {

void add_decryptor_stats(DataPathStats& d, const mppe::DecryptStats& m) { d.mppe += m; }

}  // namespace

std::string describe_mppe(const DataPathStats& d) {
  const mppe::DecryptStats& m = d.mppe;
  return fmt::format(
      "MPPE in: dropped late {} duplicate {} garbled {} searching {} keys-lost {} "
      "out-of-sequence {} discarding {} malformed {} far-ahead-refused {} (no budget {}) | resyncs "
      "{} (guessed {}) lengths guessed {} "
      "search steps {} | "
      "resets sent {} asked {} | CCP renegotiations {} | dead-receive terminations {}",
      m.late, m.duplicate, m.garbled, m.searching, m.keys_lost + m.jump_too_far, m.out_of_sequence,
      m.discarded, m.too_short + m.not_encrypted + m.compressed + m.missing_flushed,
      m.untrusted_refused, d.mppe_far_no_budget, m.resyncs, m.resync_extra, m.lengths_guessed,
      m.search_steps, d.mppe_resets_sent, d.mppe_flushes_asked, d.ccp_renegotiations,
      d.rx_dead_terminations);
}

void DataPath::start_mppe(const uint8_t* send_key, const uint8_t* recv_key, mppe::Settings s) {
  stop_mppe();
  s.ip_only = true;  // on_frame() passes nothing else on
  enc_.emplace(send_key, s);
  dec_.emplace(recv_key, s);
  next_reset_ = Time{};
  repeat_pending_ = false;
  rx_bad_ = 0;
  rx_action_taken_ = false;
}

void DataPath::stop_mppe() {
  if (dec_) add_decryptor_stats(stats_, dec_->stats());
  enc_.reset();
  dec_.reset();
  repeat_pending_ = false;
}

std::string describe_gre(const DataPathStats& d) {
  return fmt::format(
      "GRE in: stale {} duplicate {} lost {} | reorder window: held {} late-in-order {} "
      "gaps-skipped {} too-big {} | invalid {} (far-ahead {}) far-ahead accepted {}",
      d.gre_stale, d.gre_duplicate, d.gre_lost, d.gre_held, d.gre_late_in_order, d.gre_gaps_skipped,
      d.gre_too_big, d.gre_invalid, d.gre_invalid_far, d.gre_far_accepted);
}

std::string describe_gre_flow(const DataPathStats& d) {
  return fmt::format(
      "GRE flow in: delivered {} stale-echo {} ack-only {} acks {} bad-acks {} | out: data {} "
      "acks-piggybacked {} ack-only {} over-window {} max-unacked {}",
      d.gre_delivered, d.gre_stale_echo, d.gre_ack_only_in, d.gre_acks_in, d.gre_bad_acks,
      d.gre_data_out, d.gre_acks_piggybacked, d.gre_ack_only_out, d.gre_over_window,
      d.gre_max_unacked);
}

std::string describe_ingress(const IngressStats& s) {
  const gre::ParseStats& w = s.why;
  return fmt::format(
      "malformed GRE: truncated {} protocol {} version {} flags {} no-key {} length {} no-seq {} "
      "empty {}",
      w.truncated, w.bad_protocol, w.bad_version, w.bad_flags, w.no_key, w.bad_payload_length,
      w.payload_without_seq, w.empty);
}

DataPathStats DataPath::stats() const {
  DataPathStats d = stats_;
  const gre::ChannelStats& g = gre_.stats();
  d.gre_stale = g.rx_stale;
  d.gre_duplicate = g.rx_duplicates;
  d.gre_too_big = g.rx_too_big;
  d.gre_invalid = g.rx_invalid;
  d.gre_invalid_far = g.rx_invalid_far;
  d.gre_far_accepted = g.rx_far_accepted;
  d.gre_lost = g.rx_lost;
  d.gre_held = g.rx_held;
  d.gre_late_in_order = g.rx_late_in_order;
  d.gre_gaps_skipped = g.rx_gaps_skipped;
  d.gre_delivered = g.rx_delivered;
  d.gre_stale_echo = g.rx_stale_echo_delivered;
  d.gre_ack_only_in = g.rx_ack_only;
  d.gre_acks_in = g.rx_acks;
  d.gre_bad_acks = g.rx_bad_acks;
  d.gre_data_out = g.tx_data;
  d.gre_acks_piggybacked = g.tx_acks_piggybacked;
  d.gre_ack_only_out = g.tx_ack_only;
  d.gre_over_window = g.tx_over_window;
  d.gre_max_unacked = g.max_unacked;
  d.gre_duplicates = g.rx_duplicates + g.rx_stale + g.rx_too_big;
  if (dec_) add_decryptor_stats(d, dec_->stats());
  return d;
}

Time DataPath::next_deadline() const {
  Time t = gre_.next_deadline();
  if (repeat_pending_ && next_reset_ < t) t = next_reset_;
  return t;
}

bool DataPath::take_reset_request(Time now) {
  if (!dec_) return false;
  bool loss = dec_->take_reset_request();
  if (dec_->take_discard_report()) repeat_pending_ = true;
  if (!dec_->discarding()) repeat_pending_ = false;
  if (!loss && !(repeat_pending_ && now >= next_reset_)) return false;
  repeat_pending_ = false;
  next_reset_ = now + kResetRepeat;
  stats_.mppe_resets_sent++;
  return true;
}

RxAction DataPath::take_rx_action(Time now, std::string* why) {
  if (!dec_ || rx_action_taken_) return RxAction::kNone;
  const bool lost = dec_->keys_lost();
  if (!lost && (rx_bad_ < kRxDeadMinPackets || now - rx_first_bad_ < kRxDeadAfter))
    return RxAction::kNone;
  rx_action_taken_ = true;
  auto ms = std::chrono::duration_cast<milliseconds>(now - rx_first_bad_).count();
  std::string cause =
      lost ? fmt::format(
                 "no key within {} MPPE key changes decrypts the peer's packets (a "
                 "longer loss, or keys out of step)",
                 mppe::Decryptor::kMaxStatelessSearch)
           : fmt::format("no MPPE packet from the peer decrypted for {} ms ({} refused)", ms,
                         rx_bad_);
  if (rx_renegotiations_ >= kMaxCcpRenegotiations) {
    stats_.rx_dead_terminations++;
    if (why) *why = fmt::format("{}, after {} CCP renegotiations", cause, rx_renegotiations_);
    return RxAction::kTerminate;
  }
  ++rx_renegotiations_;
  stats_.ccp_renegotiations++;
  if (why) *why = cause;
  return RxAction::kRenegotiateCcp;
}

bool DataPath::on_gre(const gre::Header& h, ByteView payload, Time now) {
  return gre_.on_receive(h, payload, now) == gre::Verdict::kDeliver;
}

DataPath::Inbound DataPath::on_frame(MutableByteView frame, Time now) {
  const bool far = gre_.delivered_far_ahead();
  vouched_ = false;
  Inbound in = decode(frame, far, now);
  if (in.kind == Inbound::kDropped) {
    gre_.reject();
  } else if (far && !vouched_ && !far_clear_confirmed(gre_.rx_seq())) {
    // Far ahead in clear, with nothing before it: an LCP echo still goes up
    // (as a stale one does), the rest waits for a second such packet.
    gre_.reject();
    if (in.kind != Inbound::kControl || in.protocol != ppp::kProtoLcp || in.data.empty() ||
        (in.data[0] != 9 && in.data[0] != 10)) {
      stats_.far_clear_unconfirmed++;
      in = Inbound{};
      in.reason = "far-ahead packet in clear, not yet confirmed by the next";
    }
  }
  return in;
}

// A packet far ahead that validated by its form alone (clear IP or control:
// no MPPE to vouch for it; random octets pass now and then): the GRE state
// moves only when it follows another such packet within the forward window,
// as packets after a long outage do and forgeries at random do not.
bool DataPath::far_clear_confirmed(uint32_t seq) {
  const bool follows = far_clear_pending_ && gre::seq_after(seq, far_clear_seq_) &&
                       seq - far_clear_seq_ <= gre::kMaxForwardJump;
  far_clear_pending_ = !follows;
  far_clear_seq_ = seq;
  return follows;
}

DataPath::Inbound DataPath::decode(MutableByteView frame, bool far, Time now) {
  Inbound in;
  auto f = ppp::parse_frame(frame);
  if (!f) {
    stats_.ppp_malformed++;
    in.reason = "malformed PPP frame";
    return in;
  }
  // The parser hands out a read-only view; the frame is the caller's own.
  MutableByteView info =
      frame.subspan(static_cast<size_t>(f->info.data() - frame.data()), f->info.size());
  switch (f->protocol) {
    case ppp::kProtoMppe: return on_mppe(info, far, now);
    case ppp::kProtoIp: return on_clear_ip(info, far);
    default: return on_control(f->protocol, info, far);
  }
}

DataPath::Inbound DataPath::on_clear_ip(MutableByteView info, bool far) {
  Inbound in;
  if (dec_ || mppe_required_) {
    stats_.clear_ip_dropped++;
    in.reason = "unencrypted IP while MPPE is required";
    return in;
  }
  // Far ahead, nothing but the packet itself vouches for it: the checksum too.
  if (!well_formed_ipv4(info.data(), info.size(), /*checksum=*/far)) {
    stats_.ip_malformed++;
    in.reason = "malformed IPv4 packet";
    return in;
  }
  in.kind = Inbound::kIp;
  in.data = info;
  clamp_mss(info);
  return in;
}

namespace {

// The highest code each protocol defines (RFC 1661, 1332, 5072, 1962, 1334,
// 1994); 0 for none spoken here. CCP adds Reset-Request/Ack (14, 15).
uint8_t last_code(uint16_t protocol) {
  switch (protocol) {
    case ppp::kProtoLcp: return 11;
    case ppp::kProtoPap: return 3;
    case ppp::kProtoChap: return 4;
    case ppp::kProtoIpcp:
    case ppp::kProtoIpv6cp: return 7;
    case ppp::kProtoCcp: return 15;
    default: return 0;
  }
}

// A frame of a control protocol this side speaks, with a header that holds
// together: code, identifier, and a length from 4 up to what arrived.
// strict (far ahead): a code the protocol defines, and no padding.
bool well_formed_control(uint16_t protocol, ByteView info, bool strict) {
  const uint8_t last = last_code(protocol);
  if (last == 0 || info.size() < 4 || info[0] == 0) return false;
  const size_t length = get_u16(&info[2]);
  if (strict) return info[0] <= last && length == info.size();
  return length >= 4 && length <= info.size();
}

}  // namespace

// A control frame goes to PPP. One that is not well formed moves no GRE
// state; PPP still gets it (a Protocol-Reject may be due) unless it came far
// ahead, where it is most likely forged.
DataPath::Inbound DataPath::on_control(uint16_t protocol, MutableByteView info, bool far) {
  Inbound in;
  if (!well_formed_control(protocol, info, far)) {
    stats_.control_unknown++;
    if (far) {
      in.reason = "far-ahead frame of no known control protocol";
      return in;
    }
    gre_.reject();
  }
  in.kind = Inbound::kControl;
  in.protocol = protocol;
  in.data = info;
  return in;
}

// A far-ahead MPPE packet: checked on a copy, with key changes from the
// budget for such packets.
mppe::DecryptResult DataPath::decrypt_far(MutableByteView info, Time now) {
  using std::chrono::duration_cast;
  const auto ms = duration_cast<milliseconds>(now - far_at_).count();
  if (ms > 0) {
    const uint64_t refill = static_cast<uint64_t>(ms) * kFarStepsPerSecond / 1000;
    far_budget_ = std::min<int64_t>(kFarStepBurst, far_budget_ + static_cast<int64_t>(refill));
    far_at_ = now;
  }
  if (far_budget_ <= 0) {
    stats_.mppe_far_no_budget++;
    return mppe::DecryptResult{mppe::DecryptError::kSearching, {}};
  }
  const uint64_t before = dec_->stats().key_work;
  const auto max_steps = static_cast<uint32_t>(std::min<int64_t>(far_budget_, kFarStepsPerPacket));
  auto r = dec_->decrypt_untrusted(info, scratch_, max_steps);
  far_budget_ -= static_cast<int64_t>(dec_->stats().key_work - before);
  return r;
}

// An MPPE packet's information field: decrypted in place, and the IPv4
// packet inside it passed on.
DataPath::Inbound DataPath::on_mppe(MutableByteView info, bool far, Time now) {
  Inbound in;
  if (!dec_) {
    stats_.mppe_dropped++;
    in.reason = "MPPE packet before CCP is up";
    return in;
  }
  auto r = far ? decrypt_far(info, now) : dec_->decrypt(info);
  if (!r.ok()) {
    // Far-ahead failures are likely forged: not the receive health's concern.
    if (!far && rx_bad_++ == 0) rx_first_bad_ = now;
    stats_.mppe_dropped++;
    in.reason = mppe::to_string(r.error);
    return in;
  }
  rx_bad_ = 0;
  rx_renegotiations_ = 0;
  vouched_ = true;
  MutableByteView pt = r.plaintext;
  size_t skip = 0;
  uint16_t proto = 0;
  if (!pt.empty() && (pt[0] & 1)) {
    proto = pt[0];
    skip = 1;
  } else if (pt.size() >= 2) {
    proto = static_cast<uint16_t>(pt[0] << 8 | pt[1]);
    skip = 2;
  }
  if (proto != ppp::kProtoIp) {
    stats_.mppe_not_ip++;
    in.reason = "decrypted packet is not IPv4";
    return in;
  }
  in.kind = Inbound::kIp;
  in.data = pt.subspan(skip);
  clamp_mss(pt.subspan(skip));
  return in;
}

ByteView DataPath::frame_ip(uint8_t* buf, size_t ip_len, Time now) {
  uint8_t* p = buf + kHeadroom;
  if (ip_len == 0 || (p[0] >> 4) != 4) {
    stats_.out_not_ipv4++;
    return {};
  }
  if (mppe_required_ && !enc_) {
    stats_.out_no_mppe++;
    return {};
  }
  clamp_mss(MutableByteView(p, ip_len));
  size_t len = ip_len;
  if (enc_) {
    p -= 2;
    put_u16(p, ppp::kProtoIp);
    p -= mppe::kHeaderSize;
    len += 2 + mppe::kHeaderSize;
    enc_->encrypt(p, len);
  }
  uint16_t proto = enc_ ? ppp::kProtoMppe : ppp::kProtoIp;
  if (pfc_) {
    *--p = static_cast<uint8_t>(proto);
    len += 1;
  } else {
    p -= 2;
    put_u16(p, proto);
    len += 2;
  }
  if (!acfc_) {
    p -= 2;
    p[0] = 0xff;
    p[1] = 0x03;
    len += 2;
  }
  return add_gre(p, len, now);
}

ByteView DataPath::frame_control(uint8_t* buf, size_t cap, ByteView ppp_frame, Time now) {
  if (kHeadroom + ppp_frame.size() > cap) return {};
  std::memcpy(buf + kHeadroom, ppp_frame.data(), ppp_frame.size());
  return add_gre(buf + kHeadroom, ppp_frame.size(), now);
}

ByteView DataPath::ack_only(uint8_t* buf, Time now) {
  auto h = gre_.on_timer(now);
  if (!h) return {};
  size_t n = gre::write_header(buf, *h);
  return ByteView(buf, n);
}

void DataPath::clamp_mss(MutableByteView ip) {
  if (max_mss_ != 0 && clamp_tcp_mss(ip, max_mss_) == MssClamp::kClamped) stats_.tcp_mss_clamped++;
}

ByteView DataPath::add_gre(uint8_t* ppp_start, size_t ppp_len, Time now) {
  gre::Header h = gre_.next_data_header(static_cast<uint16_t>(ppp_len), now);
  size_t hl = gre::header_size(h.has_seq, h.has_ack);
  uint8_t* p = ppp_start - hl;
  gre::write_header(p, h);
  return ByteView(p, ppp_len + hl);
}

}  // namespace pptpx::session

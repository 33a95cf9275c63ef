// SPDX-License-Identifier: MIT
// The path MTU check of one call (issue 13): once IP is up, three LCP
// Echo-Requests (RFC 1661 section 5.8: the peer echoes the data back)
// find out whether full-size tunnel packets cross the path:
//   - full: the largest PPP frame either side may send, sent like data
//     (no DF, so it may travel as IP fragments);
//   - small: 8 octets, the reference that the peer is answering at all;
//   - DF: the same size as full but with DF set: our own host refuses it
//     when it exceeds the route's MTU, a router on the way answers it with
//     ICMP fragmentation-needed; each reported MTU shrinks it and it goes
//     again, so an answered DF probe is the largest unfragmented size.
// Each is sent up to kSends times a second apart until answered; the
// verdict comes kWait after the last send, or at once when all three are
// answered. Sans-I/O: the call sends the probes, feeds back Echo-Replies
// and the ICMP errors the application read for this call.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "base/ip.h"
#include "base/time.h"

namespace pptpx::session {

// An error the network reported about a packet we sent to the peer.
struct PathError {
  enum class Kind : uint8_t {
    kTooBig,               // fragmentation needed (or our host's refusal of a DF packet)
    kProtocolUnreachable,  // the host answering does not take IP protocol 47
    kProhibited,           // administratively prohibited: a firewall's reject
    kNoRoute,              // network or host unreachable
    kOther,
  };
  Kind kind = Kind::kOther;
  uint32_t mtu = 0;  // kTooBig: the MTU of the link the packet did not fit
  Ipv4 peer;         // where the packet was going
  Ipv4 reporter;     // who said so; zero: this host (the route's MTU)
  uint8_t icmp_type = 0;
  uint8_t icmp_code = 0;
};

// Octets around a PPP information field in a tunnel packet: IPv4 header
// 20, GRE with sequence and acknowledgement numbers 16, PPP address,
// control and protocol 4. A path MTU of P carries fields up to P - 40:
// the value for pppd's `mtu` and `mru`.
inline constexpr int kTunnelOverhead = 40;

class PathCheck {
 public:
  static constexpr int kSends = 3;
  static constexpr Duration kInterval = seconds(1);
  static constexpr Duration kWait = seconds(2);
  static constexpr int kMaxShrinks = 4;
  static constexpr int kMinPathMtu = 576;
  static constexpr int kSmallLength = 8;  // code, id, length, magic number

  // One LCP Echo-Request to send: its identifier, its length (the LCP
  // packet's, from the code field on) and whether DF goes with it.
  struct Probe {
    uint8_t id = 0;
    uint16_t length = 0;
    bool dont_fragment = false;
  };

  enum class Verdict {
    kFits,        // full-size packets cross unfragmented
    kFragmented,  // they cross, but as fragments: the path MTU is smaller
    kLost,        // they get no answer while small ones do
    kNoAnswer,    // no probe answered: nothing to conclude
  };
  struct Result {
    Verdict verdict = Verdict::kNoAnswer;
    int full_size = 0;  // octets of a full-size tunnel packet (IPv4 included)
    int path_mtu = 0;   // the smallest MTU reported, 0: none
    Ipv4 reporter;      // who reported it (zero: this host)
    // The mtu/mru to set: the largest field an answered DF probe carried,
    // else one derived from path_mtu (or a 1,400-octet path): verified says which.
    int suggested = 0;
    bool verified = false;
  };

  // Starts the check for frames whose information field may be `info`
  // octets (the smaller of our MTU and the MRUs), unless it ran already.
  void start(int info, Time now);
  bool running() const { return running_; }

  // The next probe due at `now` (call until none).
  std::optional<Probe> next_probe(Time now);
  // An Echo-Reply: its identifier and its LCP length.
  void on_reply(uint8_t id, size_t length);
  void on_error(const PathError& e, Time now);
  Time next_deadline() const;
  // The verdict, once, when it is reached (call at each deadline).
  std::optional<Result> take_result(Time now);

 private:
  enum Slot { kFull, kSmall, kDf, kSlots };
  struct Echo {
    uint8_t id = 0;
    int length = 0;
    int sends = 0;
    Time next = kNever;
    bool answered = false;
  };
  bool finished(Time now) const;
  Result verdict() const;
  void arm(Echo& e, int length, Time now);

  std::array<Echo, kSlots> echoes_{};
  bool started_ = false;
  bool running_ = false;
  uint8_t next_id_ = 0xA0;
  int shrinks_ = 0;
  int path_mtu_ = 0;
  Ipv4 reporter_;
  Time last_send_ = kNever;
};

}  // namespace pptpx::session

// SPDX-License-Identifier: MIT
// A minimal pcapng reader for tests (SHB, IDB, EPB; either byte order), and a
// decoder from a captured Ethernet/IPv4 frame to the PPP frame inside an
// enhanced GRE packet (RFC 2637 section 4). Header-only.
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"

namespace pptpx::test {

inline constexpr uint16_t kLinkEthernet = 1;
inline constexpr uint16_t kLinkRaw = 101;

struct PcapPacket {
  uint32_t interface = 0;
  uint16_t link_type = 0;
  uint64_t timestamp = 0;  // in the interface's units (microseconds by default)
  Bytes data;
};

// nullopt if the file is missing or not pcapng; stops at a truncated block.
inline std::optional<std::vector<PcapPacket>> read_pcapng(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  Bytes file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  bool swap = false;
  auto u32 = [&](size_t off) {
    uint32_t v;
    std::memcpy(&v, &file[off], 4);
    return swap ? __builtin_bswap32(v) : v;
  };
  auto u16 = [&](size_t off) {
    uint16_t v;
    std::memcpy(&v, &file[off], 2);
    return swap ? __builtin_bswap16(v) : v;
  };
  if (file.size() < 12 || get_u32(file.data()) != 0x0a0d0d0a) return std::nullopt;
  std::vector<PcapPacket> out;
  std::vector<uint16_t> link_types;
  size_t pos = 0;
  while (pos + 12 <= file.size()) {
    uint32_t type;
    std::memcpy(&type, &file[pos], 4);
    if (type == 0x0a0d0d0a) {  // Section Header: byte order from its magic
      uint32_t magic;
      std::memcpy(&magic, &file[pos + 8], 4);
      if (magic == 0x1a2b3c4d) {
        swap = false;
      } else if (magic == 0x4d3c2b1a) {
        swap = true;
      } else {
        return std::nullopt;
      }
      link_types.clear();
    }
    type = u32(pos);
    uint32_t len = u32(pos + 4);
    if (len < 12 || len % 4 != 0 || pos + len > file.size()) break;
    if (type == 1 && len >= 20) {
      link_types.push_back(u16(pos + 8));
    } else if (type == 6 && len >= 32) {
      PcapPacket p;
      p.interface = u32(pos + 8);
      p.timestamp = (uint64_t{u32(pos + 12)} << 32) | u32(pos + 16);
      uint32_t caplen = u32(pos + 20);
      if (caplen > len - 32) break;
      p.link_type = p.interface < link_types.size() ? link_types[p.interface] : 0;
      p.data.assign(file.begin() + static_cast<long>(pos + 28),
                    file.begin() + static_cast<long>(pos + 28 + caplen));
      out.push_back(std::move(p));
    }
    pos += len;
  }
  return out;
}

// One PPP frame carried in enhanced GRE over IPv4.
struct GrePpp {
  uint32_t src = 0;  // IPv4 addresses, host order
  uint32_t dst = 0;
  uint16_t call_id = 0;
  std::optional<uint32_t> seq;
  std::optional<uint32_t> ack;
  uint16_t protocol = 0;  // PPP protocol (decompressed); 0 for an ack-only packet
  Bytes info;             // after the protocol field
};

// nullopt for anything that is not IPv4 + GRE version 1 with protocol 0x880B.
inline std::optional<GrePpp> decode_gre_ppp(const PcapPacket& pkt) {
  Reader r(pkt.data);
  if (pkt.link_type == kLinkEthernet) {
    r.skip(12);
    uint16_t ethertype = r.u16();
    if (ethertype == 0x8100) {  // one VLAN tag
      r.skip(2);
      ethertype = r.u16();
    }
    if (!r.ok() || ethertype != 0x0800) return std::nullopt;
  } else if (pkt.link_type != kLinkRaw) {
    return std::nullopt;
  }
  ByteView ip = r.rest();
  if (ip.size() < 20 || (ip[0] >> 4) != 4) return std::nullopt;
  size_t ihl = (ip[0] & 0x0fu) * size_t{4};
  size_t total = get_u16(&ip[2]);
  if (ihl < 20 || total < ihl || total > ip.size() || ip[9] != 47) return std::nullopt;
  GrePpp g;
  g.src = get_u32(&ip[12]);
  g.dst = get_u32(&ip[16]);
  Reader gre(ip.subspan(ihl, total - ihl));
  uint8_t f0 = gre.u8(), f1 = gre.u8();
  uint16_t proto = gre.u16();
  uint16_t payload_len = gre.u16();
  g.call_id = gre.u16();
  if (!gre.ok() || (f1 & 0x07) != 1 || proto != 0x880b || !(f0 & 0x20)) return std::nullopt;
  if (f0 & 0x10) g.seq = gre.u32();
  if (f1 & 0x80) g.ack = gre.u32();
  ByteView ppp = gre.bytes(payload_len);
  if (!gre.ok()) return std::nullopt;
  if (ppp.empty()) return g;
  Reader pr(ppp);
  if (ppp.size() >= 2 && ppp[0] == 0xff && ppp[1] == 0x03) pr.skip(2);
  uint8_t p0 = pr.u8();
  g.protocol = (p0 & 1) ? p0 : static_cast<uint16_t>((p0 << 8) | pr.u8());
  ByteView info = pr.rest();
  if (!pr.ok()) return std::nullopt;
  g.info.assign(info.begin(), info.end());
  return g;
}

}  // namespace pptpx::test

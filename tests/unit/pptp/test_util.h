// SPDX-License-Identifier: MIT
// Helpers for the control-automaton tests: decode everything an automaton wrote.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "proto/pptp/control_link.h"
#include "proto/pptp/framer.h"
#include "proto/pptp/messages.h"

namespace pptpx::pptp::test {

inline std::vector<Message> parse_all(const Bytes& out) {
  std::vector<Message> msgs;
  Framer f;
  f.push(out);
  while (auto raw = f.next()) {
    DecodeResult d = decode(*raw);
    EXPECT_TRUE(d.ok());
    EXPECT_FALSE(d.reserved_nonzero);
    if (d.ok()) msgs.push_back(d.message);
  }
  EXPECT_FALSE(f.failed());
  EXPECT_EQ(f.buffered(), 0u);
  return msgs;
}

template <typename Core>
std::vector<ControlEvent> events(Core& c) {
  std::vector<ControlEvent> ev;
  while (auto e = c.poll_event()) ev.push_back(std::move(*e));
  return ev;
}

}  // namespace pptpx::pptp::test

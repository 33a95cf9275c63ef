// SPDX-License-Identifier: MIT
// Fuzzes the PPTP control decoder, the stream framer and both control
// automata with arbitrary TCP bytes, split at positions taken from the input.
#include <cstddef>
#include <cstdint>

#include "proto/pptp/client_control.h"
#include "proto/pptp/messages.h"
#include "proto/pptp/server_control.h"

using namespace pptpx;
using namespace pptpx::pptp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteView in(data, size);

  DecodeResult d = decode(in);
  if (d.ok()) {
    Bytes again = encode(d.message);
    if (again.size() != size) __builtin_trap();
  }

  Time now = Time{} + seconds(1);
  ServerControl srv(ServerControlConfig{}, Logger(), now);
  ClientControl cli(ClientControlConfig{}, Logger(), now);
  cli.start(now);
  // A valid SCCRQ first so the fuzzer reaches the established state quickly.
  if (size > 0 && (data[0] & 1)) srv.on_bytes(encode(StartControlConnectionRequest{}), now);
  size_t pos = 0;
  while (pos < size) {
    size_t chunk = 1 + data[pos] % 64;
    if (chunk > size - pos) chunk = size - pos;
    ByteView part = in.subspan(pos, chunk);
    srv.on_bytes(part, now);
    cli.on_bytes(part, now);
    pos += chunk;
    now += milliseconds(data[pos - 1] * 500);
    srv.on_timer(now);
    cli.on_timer(now);
    while (auto e = srv.poll_event()) {
      if (auto* cr = std::get_if<CallRequested>(&*e)) {
        if (cr->peer_call_id & 1)
          srv.accept_call(cr->peer_call_id, cr->peer_call_id ^ 0x8000, 0, now);
        else
          srv.reject_call(cr->peer_call_id, kOcrpDoNotAccept, 0, now);
      }
    }
    while (cli.poll_event()) {
    }
    srv.take_output();
    cli.take_output();
  }
  srv.shutdown(kStopReasonLocalShutdown, now);
  cli.hangup(now);
  return 0;
}

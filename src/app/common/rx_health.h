// What the server and the client do when a call's MPPE receive direction
// keeps failing (session::DataPath::take_rx_action): renegotiate CCP for
// fresh keys, or end the link naming the cause so persist redials.
#pragma once

#include "base/log.h"
#include "base/time.h"
#include "proto/ppp/session.h"
#include "proto/session/data_path.h"

namespace pptpx::app {

// True when the session was told to renegotiate CCP or to close: the caller
// then services the session and stops handling the frame.
bool act_on_rx_health(session::DataPath& dp, ppp::Session& ppp, const Logger& log, Time now);

}  // namespace pptpx::app

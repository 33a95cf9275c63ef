#include "app/common/rx_health.h"

#include <string>

namespace pptpx::app {

bool act_on_rx_health(session::DataPath& dp, ppp::Session& ppp, const Logger& log, Time now) {
  std::string why;
  switch (dp.take_rx_action(now, &why)) {
    case session::RxAction::kNone: return false;
    case session::RxAction::kRenegotiateCcp:
      log.warn("MPPE receive failing: {}; renegotiating CCP for fresh keys", why);
      ppp.renegotiate_ccp(now);
      return true;
    case session::RxAction::kTerminate:
      log.warn("MPPE receive failing: {}; ending the link", why);
      ppp.close("MPPE receive keys lost (" + why + ")", now);
      return true;
  }
  return false;
}

}  // namespace pptpx::app

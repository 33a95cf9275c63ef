// SPDX-License-Identifier: MIT
#include "app/common/secrets.h"

#include "base/ct.h"

namespace pptpx::app {

std::optional<config::SecretEntry> SecretsFiles::find(const ppp::SecretRequest& req,
                                                      const Logger& log) {
  config::SecretsFile secrets = config::load_secrets(path(req.protocol));
  for (const auto& d : secrets.diagnostics)
    if (d.is_error) log.warn("{}", d.str());
  auto entry = config::find_secret(secrets.entries, req.client, req.server);
  for (auto& e : secrets.entries) secure_zero(e.secret);
  return entry;
}

}  // namespace pptpx::app

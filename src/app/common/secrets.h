// SPDX-License-Identifier: MIT
// Where a call's secrets come from. pppd reads them from chap-secrets (the
// CHAP family) and pap-secrets (PAP); RADIUS will be another source.
#pragma once

#include <optional>
#include <string>

#include "base/log.h"
#include "config/secrets.h"
#include "proto/ppp/auth/auth.h"

namespace pptpx::app {

class SecretSource {
 public:
  virtual ~SecretSource() = default;
  // The entry for (client, server) as the request names them, or nullopt.
  // Problems reading the source are logged. The caller wipes the secret
  // (secure_zero) once it has passed it on.
  virtual std::optional<config::SecretEntry> find(const ppp::SecretRequest& req,
                                                  const Logger& log) = 0;
  // Where find() looked, for messages: "/etc/ppp/chap-secrets".
  virtual std::string where(ppp::AuthProtocol protocol) const = 0;
};

// pppd's files, read at every question (so edits apply to the next login,
// as with pppd).
class SecretsFiles final : public SecretSource {
 public:
  SecretsFiles(std::string chap_path, std::string pap_path)
      : chap_path_(std::move(chap_path)), pap_path_(std::move(pap_path)) {}
  std::optional<config::SecretEntry> find(const ppp::SecretRequest& req,
                                          const Logger& log) override;
  std::string where(ppp::AuthProtocol protocol) const override { return path(protocol); }

 private:
  const std::string& path(ppp::AuthProtocol p) const {
    return p == ppp::AuthProtocol::kPap ? pap_path_ : chap_path_;
  }
  std::string chap_path_, pap_path_;
};

}  // namespace pptpx::app

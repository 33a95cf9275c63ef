// SPDX-License-Identifier: MIT
// chap-secrets / pap-secrets (docs/compatibility.md, chap-secrets; pppd auth.c
// scan_authfile, set_allowed_addrs). Same tokenizer as options files; a record
// starts at the first word on a line:
// client server secret [addr...] [-- options...].
// Secret values never appear in diagnostics.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/ip.h"
#include "config/diagnostic.h"
#include "config/ppp_options.h"

namespace pptpx::config {

struct SecretEntry {
  std::string client;
  std::string server;
  std::string secret;                  // "@/path" already replaced by that file's first word
  bool secret_escaped = false;         // a backslash escape made part of it (\t: a tab)
  std::vector<std::string> addresses;  // words before "--"
  std::vector<std::string> options;    // words after "--"
  std::string file;
  int line = 0;
};

struct SecretsFile {
  std::vector<SecretEntry> entries;
  Diagnostics diagnostics;
};

// Reads and parses a secrets file; an unreadable file is an error.
SecretsFile load_secrets(const std::string& path, const FileReader& read = read_whole_file);
// Parses secrets text in memory; `read` resolves "@/path" secrets.
SecretsFile parse_secrets(std::string_view text, const std::string& file,
                          const FileReader& read = read_whole_file);

// pppd's best match: exact client and server beat client + "*", which beats
// "*" + server, which beats "*" + "*"; among equals the first line wins.
std::optional<SecretEntry> find_secret(const std::vector<SecretEntry>& entries,
                                       std::string_view client, std::string_view server);

// pppd have_chap_secret / have_pap_secret (auth.c): whether a line matches
// `client` and `server` (nullopt = any name, pppd's NULL) and, with
// `need_ip`, the best one allows some address; when only that fails,
// *lacks_ip is set (pppd's "None of the available passwords would let it use
// an IP address").
bool have_secret(const std::vector<SecretEntry>& entries, std::optional<std::string_view> client,
                 std::optional<std::string_view> server, bool need_ip, bool* lacks_ip = nullptr);

// have_secret on the file at `path`, read for the purpose and wiped after;
// an unreadable file holds no secret, as for pppd.
bool file_has_secret(const std::string& path, std::optional<std::string_view> client,
                     std::optional<std::string_view> server, bool need_ip,
                     bool* lacks_ip = nullptr);

// The address pppd suggests to the peer: the 4th column when it is the only
// address word and a plain host address.
std::optional<Ipv4> fixed_address(const SecretEntry& e);

// Whether the address list allows the peer to use `addr` (first match wins,
// implicit deny at the end; loopback, multicast and class E always refused).
bool address_allowed(const SecretEntry& e, Ipv4 addr);

// pppd's warning for a secrets file readable by group or others, from its
// st_mode; nullopt when the mode is fine.
std::optional<std::string> secrets_mode_warning(const std::string& path, mode_t mode);
// stat()s the file and applies secrets_mode_warning.
std::optional<std::string> check_secrets_permissions(const std::string& path);

}  // namespace pptpx::config

// SPDX-License-Identifier: MIT
// chap-secrets / pap-secrets parser and matcher (docs/compatibility.md, chap-secrets).
#include "config/secrets.h"

#include <sys/stat.h>

#include "base/ct.h"
#include "config/tokenizer.h"

namespace pptpx::config {
namespace {

struct Net {
  uint32_t addr = 0;
  uint32_t mask = 0;
};

// "a.b.c.d", "a.b.c.d/n" or "a.b.c.d/n+" (the "+" host pick needs the unit
// number, so it is treated as the whole subnet here).
std::optional<Net> parse_net(std::string_view s) {
  int bits = 32;
  if (auto slash = s.find('/'); slash != std::string_view::npos) {
    std::string_view len = s.substr(slash + 1);
    s = s.substr(0, slash);
    if (!len.empty() && len.back() == '+') len.remove_suffix(1);
    if (len.empty() || len.size() > 2) return std::nullopt;
    bits = 0;
    for (char c : len) {
      if (c < '0' || c > '9') return std::nullopt;
      bits = bits * 10 + (c - '0');
    }
    if (bits < 1 || bits > 32) return std::nullopt;
  }
  auto a = Ipv4::parse(s);
  if (!a) return std::nullopt;
  uint32_t mask = bits == 32 ? 0xffffffffu : ~(0xffffffffu >> bits);
  return Net{a->value & mask, mask};
}

bool always_refused(Ipv4 a) {
  const uint32_t top = a.value >> 24;
  return top == 127 || top >= 224 || a.value == 0;
}

// The record in words [i, end), three words or more: client server secret
// [addresses...] [-- options...].
SecretEntry make_entry(const std::vector<Word>& words, size_t i, size_t end,
                       const std::string& file) {
  SecretEntry e;
  e.file = file;
  e.line = words[i].line;
  e.client = words[i].text;
  e.server = words[i + 1].text;
  e.secret = words[i + 2].text;
  e.secret_escaped = words[i + 2].escaped;
  bool opts = false;
  for (size_t k = i + 3; k < end; ++k) {
    if (!opts && words[k].text == "--") {
      opts = true;
      continue;
    }
    (opts ? e.options : e.addresses).push_back(words[k].text);
  }
  return e;
}

// A secret "@/path" is the first word of that file. False when the file
// cannot be read: the record is then skipped.
bool resolve_indirect_secret(SecretEntry& e, const FileReader& read, Diagnostics& diags) {
  if (!(e.secret.size() > 2 && e.secret.rfind("@/", 0) == 0)) return true;
  const std::string at_file = e.secret.substr(1);
  FileReadResult r = read(at_file);
  if (!r.contents) {
    diags.push_back({e.file, e.line, false, "can't open indirect secret file " + at_file});
    return false;
  }
  Diagnostics ignored;  // the secret file's own words must not be echoed
  std::vector<Word> sw = tokenize(*r.contents, at_file, ignored);
  e.secret = sw.empty() ? std::string() : sw.front().text;
  e.secret_escaped = !sw.empty() && sw.front().escaped;
  return true;
}

// A warning for each address that is neither "*", "-" nor a (negated) net.
void check_addresses(const SecretEntry& e, Diagnostics& diags) {
  for (const auto& a : e.addresses) {
    std::string_view v = a;
    if (v == "*" || v == "-") continue;
    if (!v.empty() && v[0] == '!') v.remove_prefix(1);
    if (!parse_net(v))
      diags.push_back({e.file, e.line, false,
                       "unknown host or bad address '" + a + "' in address list, ignored"});
  }
}

}  // namespace

SecretsFile load_secrets(const std::string& path, const FileReader& read) {
  FileReadResult r = read(path);
  if (!r.contents) {
    SecretsFile f;
    f.diagnostics.push_back({path, 0, true, "can't open secrets file " + path + ": " + r.error});
    return f;
  }
  return parse_secrets(*r.contents, path, read);
}

SecretsFile parse_secrets(std::string_view text, const std::string& file, const FileReader& read) {
  SecretsFile out;
  std::vector<Word> words = tokenize(text, file, out.diagnostics);
  size_t i = 0;
  while (i < words.size()) {
    // A record is the run of words from a first-on-line word to the next one.
    size_t end = i + 1;
    while (end < words.size() && !words[end].first_on_line) ++end;
    if (end - i < 3) {
      out.diagnostics.push_back(
          {file, words[i].line, false, "secrets line with fewer than 3 words skipped"});
      i = end;
      continue;
    }
    SecretEntry e = make_entry(words, i, end, file);
    i = end;
    if (!resolve_indirect_secret(e, read, out.diagnostics)) continue;
    check_addresses(e, out.diagnostics);
    out.entries.push_back(std::move(e));
  }
  return out;
}

namespace {

// pppd scan_authfile: a nullopt name matches any line (pppd's NULL).
const SecretEntry* best_entry(const std::vector<SecretEntry>& entries,
                              std::optional<std::string_view> client,
                              std::optional<std::string_view> server) {
  const SecretEntry* best = nullptr;
  int best_score = -1;
  for (const auto& e : entries) {
    int score = 0;
    if (e.client != "*") {
      if (client && e.client != *client) continue;
      score |= 2;
    }
    if (e.server != "*") {
      if (server && e.server != *server) continue;
      score |= 1;
    }
    if (score > best_score) {
      best = &e;
      best_score = score;
    }
  }
  return best;
}

// pppd some_ip_ok: an address word before any "-" that is not a "!" denial.
bool some_address_allowed(const SecretEntry& e) {
  for (const auto& w : e.addresses) {
    if (w.starts_with("-")) break;
    if (!w.starts_with("!")) return true;
  }
  return false;
}

}  // namespace

std::optional<SecretEntry> find_secret(const std::vector<SecretEntry>& entries,
                                       std::string_view client, std::string_view server) {
  const SecretEntry* best = best_entry(entries, client, server);
  if (!best) return std::nullopt;
  return *best;
}

bool have_secret(const std::vector<SecretEntry>& entries, std::optional<std::string_view> client,
                 std::optional<std::string_view> server, bool need_ip, bool* lacks_ip) {
  const SecretEntry* best = best_entry(entries, client, server);
  if (!best) return false;
  if (need_ip && !some_address_allowed(*best)) {
    if (lacks_ip) *lacks_ip = true;
    return false;
  }
  return true;
}

bool file_has_secret(const std::string& path, std::optional<std::string_view> client,
                     std::optional<std::string_view> server, bool need_ip, bool* lacks_ip) {
  SecretsFile f = load_secrets(path);
  bool ok = have_secret(f.entries, client, server, need_ip, lacks_ip);
  for (auto& e : f.entries) secure_zero(e.secret);
  return ok;
}

std::optional<Ipv4> fixed_address(const SecretEntry& e) {
  if (e.addresses.size() != 1) return std::nullopt;
  const std::string& w = e.addresses[0];
  if (w.find('/') != std::string::npos) return std::nullopt;
  auto a = Ipv4::parse(w);
  if (!a || always_refused(*a)) return std::nullopt;
  return a;
}

bool address_allowed(const SecretEntry& e, Ipv4 addr) {
  if (always_refused(addr)) return false;
  for (const auto& w : e.addresses) {
    if (w == "*") return true;
    if (w == "-") return false;
    std::string_view v = w;
    const bool deny = !v.empty() && v[0] == '!';
    if (deny) v.remove_prefix(1);
    auto net = parse_net(v);
    if (!net) continue;
    if ((addr.value & net->mask) == net->addr) return !deny;
  }
  return false;
}

std::optional<std::string> secrets_mode_warning(const std::string& path, mode_t mode) {
  if ((mode & (S_IRWXG | S_IRWXO)) == 0) return std::nullopt;
  return "Warning - secret file " + path + " has world and/or group access";
}

std::optional<std::string> check_secrets_permissions(const std::string& path) {
  struct stat sb {};
  if (::stat(path.c_str(), &sb) != 0) return std::nullopt;
  return secrets_mode_warning(path, sb.st_mode);
}

}  // namespace pptpx::config

// SPDX-License-Identifier: MIT
#include "config/secrets.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "test_util.h"

namespace pptpx::config {
namespace {

TEST(Secrets, LoadsSimpleFile) {
  SecretsFile f = load_secrets(data_path("chap-secrets.simple"));
  EXPECT_TRUE(f.diagnostics.empty());
  ASSERT_EQ(f.entries.size(), 1u);
  auto e = find_secret(f.entries, "user1", "pptpd");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->secret, "secret1");
  EXPECT_EQ(e->addresses, std::vector<std::string>{"*"});
  EXPECT_FALSE(find_secret(f.entries, "User1", "pptpd"));  // case-sensitive
  EXPECT_FALSE(find_secret(f.entries, "user1", "other"));
}

TEST(Secrets, MissingFileIsError) {
  SecretsFile f = load_secrets(data_path("nope"));
  ASSERT_EQ(f.diagnostics.size(), 1u);
  EXPECT_TRUE(f.diagnostics[0].is_error);
}

TEST(Secrets, FileHasSecret) {
  const std::string path = data_path("chap-secrets.simple");
  EXPECT_TRUE(file_has_secret(path, "user1", "pptpd", true));
  EXPECT_TRUE(file_has_secret(path, "user1", std::nullopt, false));  // any server
  EXPECT_FALSE(file_has_secret(path, "user1", "other", false));
  EXPECT_FALSE(file_has_secret(data_path("nope"), "user1", "pptpd", false));  // unreadable
}

class SampleSecrets : public ::testing::Test {
 protected:
  void SetUp() override { f_ = load_secrets(data_path("chap-secrets")); }
  SecretsFile f_;
};

TEST_F(SampleSecrets, RecordsAndDiagnostics) {
  // carol continues onto line 9; eve (2 words) and short (1 word) are
  // skipped; dave's @file is unreadable.
  ASSERT_EQ(f_.entries.size(), 9u);
  std::string d = all(f_.diagnostics);
  EXPECT_NE(d.find("chap-secrets:10: can't open indirect secret file /nonexistent-secret-file"),
            std::string::npos)
      << d;
  EXPECT_NE(d.find("chap-secrets:11: secrets line with fewer than 3 words skipped"),
            std::string::npos)
      << d;
  EXPECT_NE(d.find("chap-secrets:12:"), std::string::npos);
  EXPECT_FALSE(has_errors(f_.diagnostics));
  for (const auto& x : f_.diagnostics) {
    EXPECT_EQ(x.message.find("exact"), std::string::npos);
    EXPECT_EQ(x.message.find("quoted pass"), std::string::npos);
  }
}

TEST_F(SampleSecrets, BestMatchScoring) {
  EXPECT_EQ(find_secret(f_.entries, "user1", "pptpd")->secret, "exact");  // first of equals
  EXPECT_EQ(find_secret(f_.entries, "user1", "other")->secret, "user1star");
  EXPECT_EQ(find_secret(f_.entries, "nobody", "pptpd")->secret, "starpptpd");
  EXPECT_EQ(find_secret(f_.entries, "nobody", "other")->secret, "anyany");  // quoted "*" is wild
}

TEST_F(SampleSecrets, DomainUsersQuotesAndContinuation) {
  auto bob = find_secret(f_.entries, "DOMAIN\\bob", "pptpd");
  ASSERT_TRUE(bob);
  EXPECT_EQ(bob->secret, "quoted pass");
  EXPECT_EQ(bob->addresses, (std::vector<std::string>{"10.1.0.0/16", "!10.1.2.3"}));
  EXPECT_EQ(bob->options, (std::vector<std::string>{"ms-dns", "1.2.3.4"}));
  EXPECT_EQ(bob->line, 7);
  auto carol = find_secret(f_.entries, "DOMAIN\\carol", "pptpd");
  ASSERT_TRUE(carol);
  EXPECT_EQ(carol->secret, "cont");
  EXPECT_EQ(carol->addresses, std::vector<std::string>{"*"});
}

TEST_F(SampleSecrets, AddressLists) {
  auto user1 = *find_secret(f_.entries, "user1", "pptpd");
  EXPECT_EQ(fixed_address(user1), Ipv4::parse("10.0.0.5"));
  EXPECT_TRUE(address_allowed(user1, *Ipv4::parse("10.0.0.5")));
  EXPECT_FALSE(address_allowed(user1, *Ipv4::parse("10.0.0.6")));

  auto bob = *find_secret(f_.entries, "DOMAIN\\bob", "pptpd");
  EXPECT_FALSE(fixed_address(bob));
  EXPECT_TRUE(address_allowed(bob, *Ipv4::parse("10.1.2.3")));  // allowed by the /16 first
  EXPECT_TRUE(address_allowed(bob, *Ipv4::parse("10.1.200.1")));
  EXPECT_FALSE(address_allowed(bob, *Ipv4::parse("10.2.0.1")));

  auto frank = *find_secret(f_.entries, "frank", "pptpd");
  EXPECT_FALSE(address_allowed(frank, *Ipv4::parse("10.9.9.9")));
  EXPECT_TRUE(address_allowed(frank, *Ipv4::parse("10.9.9.8")));

  auto gina = *find_secret(f_.entries, "gina", "pptpd");
  EXPECT_FALSE(address_allowed(gina, *Ipv4::parse("10.0.0.1")));

  auto any = *find_secret(f_.entries, "nobody", "other");
  EXPECT_TRUE(address_allowed(any, *Ipv4::parse("192.168.1.5")));
  EXPECT_FALSE(address_allowed(any, *Ipv4::parse("127.0.0.1")));
  EXPECT_FALSE(address_allowed(any, *Ipv4::parse("224.0.0.1")));
  EXPECT_FALSE(address_allowed(any, *Ipv4::parse("240.0.0.1")));
}

TEST(Secrets, NoAddressColumnAllowsNothing) {
  SecretsFile f = parse_secrets("u s p\n", "x");
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_FALSE(address_allowed(f.entries[0], *Ipv4::parse("10.0.0.1")));
  EXPECT_FALSE(fixed_address(f.entries[0]));
}

TEST(Secrets, EmptySecretAndLiteralAt) {
  SecretsFile f = parse_secrets("u s \"\" *\nv s @name *\n", "x");
  ASSERT_EQ(f.entries.size(), 2u);
  EXPECT_EQ(f.entries[0].secret, "");
  EXPECT_EQ(f.entries[1].secret, "@name");
}

TEST(Secrets, IndirectSecretReadsFirstWord) {
  auto reader = [](const std::string& p) {
    if (p == "/s/file") return FileReadResult{"  \"top secret\" second\n", {}};
    return FileReadResult{std::nullopt, "No such file or directory"};
  };
  SecretsFile f = parse_secrets("u s @/s/file *\n", "x", reader);
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].secret, "top secret");
}

TEST(Secrets, SecretWithAnEscapeIsMarked) {
  auto reader = [](const std::string& p) {
    if (p == "/s/esc") return FileReadResult{"pass\\sword\n", {}};
    return FileReadResult{"plain\n", {}};
  };
  SecretsFile f = parse_secrets(
      "a s C@saVa\\t *\nb s plain *\nc s \"two words\" *\nd s pw\\\n *\ne s @/s/esc *\n"
      "f s @/s/plain *\ng s x *\\t\n",
      "x", reader);
  ASSERT_EQ(f.entries.size(), 7u) << all(f.diagnostics);
  EXPECT_EQ(f.entries[0].secret, "C@saVa\t");  // pppd's meaning: a tab
  std::vector<bool> escaped;
  escaped.reserve(f.entries.size());
  for (const auto& e : f.entries) escaped.push_back(e.secret_escaped);
  // A backslash-newline only joins lines; only the secret column counts.
  EXPECT_EQ(escaped, (std::vector<bool>{true, false, false, false, true, false, false}));
}

TEST(Secrets, WildcardOnlyWhenExactlyStar) {
  SecretsFile f = parse_secrets("*x s p1 *\n", "x");
  EXPECT_FALSE(find_secret(f.entries, "ax", "s"));
  EXPECT_TRUE(find_secret(f.entries, "*x", "s"));
}

TEST(Secrets, BadAddressWarns) {
  SecretsFile f = parse_secrets("u s p 10.0.0.0/33 host.example\n", "x");
  EXPECT_EQ(f.diagnostics.size(), 2u);
  EXPECT_FALSE(address_allowed(f.entries[0], *Ipv4::parse("10.0.0.1")));
}

TEST(Secrets, PermissionWarning) {
  EXPECT_FALSE(secrets_mode_warning("/etc/ppp/chap-secrets", S_IFREG | 0600));
  EXPECT_EQ(secrets_mode_warning("/etc/ppp/chap-secrets", S_IFREG | 0640),
            "Warning - secret file /etc/ppp/chap-secrets has world and/or group access");
  EXPECT_TRUE(secrets_mode_warning("f", S_IFREG | 0604));
}

}  // namespace
}  // namespace pptpx::config

#include "app/config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace kprogress {
namespace {

const char* kMinimal = R"(
[[access_key]]
id = "k1"
secret = "s1"

[[instance]]
id = "alikafka_local"
region = "cn-hangzhou"
bootstrap = "127.0.0.1:9092"
)";

TEST(Config, MinimalFileHasTheDefaults) {
  auto c = parse_config(kMinimal, "kp.toml");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->server.listen.to_string(), "127.0.0.1:8080");
  EXPECT_EQ(c->server.request_timeout, std::chrono::seconds(10));
  EXPECT_TRUE(c->auth.enabled);
  EXPECT_TRUE(c->collector.enabled);
  EXPECT_EQ(c->server.max_staleness.count(), 0);
  ASSERT_EQ(c->instances.size(), 1u);
  EXPECT_EQ(c->instances[0].region, "cn-hangzhou");
}

TEST(Config, FullFile) {
  auto c = parse_config(R"(
[server]
listen = "[::1]:9090"
request_timeout = "1500ms"
workers = 4
max_staleness = "30s"
[server.tls]
listen = "127.0.0.1:8443"
cert = "c.pem"
key = "k.pem"
[collector]
interval = "5s"
include = ["orders-.*"]
granularity = "topic"
warn_after = "1m"
error_after = "5m"
[[access_key]]
id = "k1"
secret = "s1"
instances = ["a"]
[[instance]]
id = "a"
region = "cn-beijing"
bootstrap = "b:1"
[instance.kafka]
"security.protocol" = "SASL_SSL"
)",
                        "kp.toml");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->server.listen.host, "::1");
  EXPECT_EQ(c->server.listen.port, 9090);
  EXPECT_EQ(c->server.request_timeout.count(), 1500);
  ASSERT_TRUE(c->server.tls.has_value());
  EXPECT_EQ(c->server.tls->cert_file, "c.pem");
  EXPECT_EQ(c->collector.interval, std::chrono::seconds(5));
  EXPECT_EQ(c->collector.granularity, "topic");
  EXPECT_EQ(c->instances[0].kafka.at("security.protocol"), "SASL_SSL");
  EXPECT_EQ(c->access_keys[0].instances, std::vector<std::string>{"a"});
}

struct Bad {
  const char* name;
  std::string text;
  const char* want;  // in the message
};

TEST(Config, ErrorsNameTheFileLineAndProblem) {
  const std::string inst = "\n[[instance]]\nid = \"a\"\nregion = \"r\"\nbootstrap = \"b:1\"\n";
  const std::string key = "\n[[access_key]]\nid = \"k\"\nsecret = \"s\"\n";
  Bad cases[] = {
      {"syntax", "[server\nlisten = 1", "kp.toml:1:"},
      {"unknown key", "[server]\nlisen = \"127.0.0.1:1\"\n" + key + inst,
       "unknown key \"lisen\" in [server]"},
      {"wrong type", "[server]\nworkers = \"many\"\n" + key + inst, "kp.toml:2:"},
      {"bad duration", "[server]\nrequest_timeout = \"10 seconds\"\n" + key + inst, "kp.toml:2:19"},
      {"bad port", "[server]\nlisten = \"127.0.0.1:99999\"\n" + key + inst, "port"},
      {"no instance", key, "no [[instance]]"},
      {"duplicate instance", key + inst + inst, "used twice"},
      {"missing bootstrap", key + "[[instance]]\nid = \"a\"\nregion = \"r\"\n", "bootstrap"},
      {"auth without keys", inst, "no [[access_key]]"},
      {"open on a public address",
       "[server]\nlisten = \"0.0.0.0:8080\"\n[auth]\nenabled = false\n" + inst,
       "refusing to serve without authentication"},
      {"two secrets", "[[access_key]]\nid = \"k\"\nsecret = \"s\"\nsecret_env = \"X\"\n" + inst,
       "exactly one of"},
      {"key names unknown instance",
       "[[access_key]]\nid = \"k\"\nsecret = \"s\"\ninstances = [\"zz\"]\n" + inst,
       "not configured"},
      {"bad granularity", "[collector]\ngranularity = \"group\"\n" + key + inst, "granularity"},
      {"window smaller than min_samples", "[collector]\nwindow = 3\nmin_samples = 5\n" + key + inst,
       "min_samples"},
  };
  for (const auto& c : cases) {
    auto r = parse_config(c.text, "kp.toml");
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_NE(r.error().message.find(c.want), std::string::npos)
        << c.name << ": " << r.error().message;
  }
}

TEST(Config, SecretFromEnvironmentAndFile) {
  const std::string inst = "\n[[instance]]\nid = \"a\"\nregion = \"r\"\nbootstrap = \"b:1\"\n";
  ::setenv("KP_TEST_SECRET", "from-env", 1);
  auto c =
      parse_config("[[access_key]]\nid = \"k\"\nsecret_env = \"KP_TEST_SECRET\"\n" + inst, "f");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->access_keys[0].secret, "from-env");

  auto missing =
      parse_config("[[access_key]]\nid = \"k\"\nsecret_env = \"KP_TEST_UNSET_X\"\n" + inst, "f");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("KP_TEST_UNSET_X is not set"), std::string::npos);

  auto path = std::filesystem::temp_directory_path() / "kp_config_test_secret";
  std::ofstream(path) << "from-file\n";
  auto f = parse_config(
      "[[access_key]]\nid = \"k\"\nsecret_file = \"" + path.string() + "\"\n" + inst, "f");
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(f->access_keys[0].secret, "from-file");
  std::filesystem::remove(path);
}

TEST(Config, OpenServerOnLoopbackIsAllowed) {
  auto c = parse_config(
      "[auth]\nenabled = false\n[[instance]]\nid = \"a\"\nregion = \"r\"\nbootstrap = \"b:1\"\n",
      "f");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_FALSE(c->auth.enabled);
}

TEST(Config, MissingFileIsAnError) {
  auto c = load_config("/nonexistent/kprogress.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("cannot open"), std::string::npos);
}

TEST(ParseDuration, Units) {
  EXPECT_EQ(parse_duration("250ms")->count(), 250);
  EXPECT_EQ(parse_duration("10s")->count(), 10000);
  EXPECT_EQ(parse_duration("2m")->count(), 120000);
  EXPECT_EQ(parse_duration("1h")->count(), 3600000);
  EXPECT_FALSE(parse_duration("s").ok());
  EXPECT_FALSE(parse_duration("10").ok());
  EXPECT_FALSE(parse_duration("-1s").ok());
  EXPECT_FALSE(parse_duration("99999999999999s").ok());
}

// Found by fuzz/config: 10000000000s was accepted and overflowed steady_clock as a deadline.
TEST(ParseDuration, AtMostOneYear) {
  EXPECT_EQ(parse_duration("8760h")->count(), int64_t{8760} * 3600 * 1000);
  EXPECT_FALSE(parse_duration("8761h").ok());
  EXPECT_FALSE(parse_duration("10000000000s").ok());
  EXPECT_FALSE(parse_duration("999999999999h").ok());
  auto c = parse_config(
      "[server]\nrequest_timeout = \"10000000000s\"\n[[access_key]]\nid = \"k\"\nsecret = "
      "\"s\"\n[[instance]]\nid = \"a\"\nregion = \"r\"\nbootstrap = \"b:1\"\n",
      "kp.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("kp.toml:2:"), std::string::npos) << c.error().message;
}

// Found by fuzz/config: "[]:887" was accepted with an empty host, which the resolver takes as
// every interface, and which did not survive to_string() and back.
TEST(ListenAddress, HostIsRequired) {
  EXPECT_FALSE(parse_listen_address("[]:887").ok());
  EXPECT_FALSE(parse_listen_address(":887").ok());
  auto v6 = parse_listen_address("[::1]:887");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->to_string(), "[::1]:887");
  auto v4 = parse_listen_address("127.0.0.1:887");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->to_string(), "127.0.0.1:887");
}

// Found by fuzz/config: a host name that starts with "127." passed for loopback, but the server
// resolves names, so it could listen on a public address without authentication.
TEST(ListenAddress, LoopbackMeansALoopbackAddress) {
  struct Case {
    const char* host;
    bool loopback;
  } cases[] = {
      {"127.0.0.1", true},
      {"127.255.0.9", true},
      {"::1", true},
      {"localhost", true},
      {"0:0:0:0:0:0:0:1", true},
      {"127.attacker.example", false},
      {"127.0.0.1.example", false},
      {"128.0.0.1", false},
      {"0.0.0.0", false},
      {"::", false},
      {"example.org", false},
      {"", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ((ListenAddress{c.host, 8080}.is_loopback()), c.loopback) << c.host;
  }
  auto open = parse_config(
      "[server]\nlisten = \"127.attacker.example:8080\"\n[auth]\nenabled = false\n"
      "[[instance]]\nid = \"a\"\nregion = \"r\"\nbootstrap = \"b:1\"\n",
      "kp.toml");
  ASSERT_FALSE(open.ok());
  EXPECT_NE(open.error().message.find("refusing to serve without authentication"),
            std::string::npos)
      << open.error().message;
}

}  // namespace
}  // namespace kprogress

#include "daemon/config.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace smeg::daemon {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

const std::string kTestdata = SMEG_DAEMON_TESTDATA;
const std::string kExample = kTestdata + "/../smegd.example.yaml";

Config parse_ok(const std::string& yaml) {
  Result<Config> r = parse_config(yaml, "t.yaml");
  EXPECT_TRUE(r.is_ok()) << yaml << "\n=> " << r.status().message();
  return r.is_ok() ? *r : Config{};
}

std::string parse_error(const std::string& yaml) {
  Result<Config> r = parse_config(yaml, "t.yaml");
  EXPECT_FALSE(r.is_ok()) << "accepted: " << yaml;
  return r.is_ok() ? "" : r.status().message();
}

std::string ep(const Endpoint& e) { return e.to_string(); }

TEST(ConfigDefaults, AnEmptyFileIsEveryDefault) {
  for (const char* text : {"", "# nothing but a comment\n", "---\n"}) {
    Config c = parse_ok(text);
    EXPECT_EQ(c.source, "t.yaml");
    EXPECT_EQ(c.control_port, 4000);
    EXPECT_EQ(c.join_timeout(), seconds(5));
    EXPECT_FALSE(c.stub_wg);
    EXPECT_EQ(c.params.sync_interval, seconds(2));
    EXPECT_EQ(c.params.pull_interval, seconds(20));
    EXPECT_EQ(c.params.heartbeat_interval, seconds(60));
    EXPECT_EQ(c.params.cluster_size, 64u);
    EXPECT_DOUBLE_EQ(c.params.inter_cluster_chance, 0.15);
    EXPECT_EQ(c.params.branch, 3u);
    EXPECT_EQ(c.params.infection_count, 3u);
    EXPECT_EQ(c.log_level, LogLevel::kWarning);
    EXPECT_EQ(c.base.ip_discovery, BaseConfiguration::IpDiscovery::kPublic);
    EXPECT_FALSE(c.base.advertise_route);
    EXPECT_FALSE(c.base.advertise_defaults);
    EXPECT_FALSE(c.base.public_endpoint);
    EXPECT_EQ(c.base.role, Role::kPeer);
    EXPECT_EQ(c.base.keepalive_wg, 0);
    EXPECT_EQ(c.base.hooks, HookCommands{});
    EXPECT_EQ(c.state_dir, "/var/lib/smeg");
    EXPECT_EQ(c.socket_path, "/run/smeg/smegd.sock");
    EXPECT_EQ(c.wg_backend, "auto");
    EXPECT_EQ(c.mtu, 1420u);
    EXPECT_EQ(c.interface_prefix, "smeg");
    EXPECT_EQ(c.wg_port, 51820);
    EXPECT_TRUE(c.dns.enabled);
    ASSERT_EQ(c.dns.listen.size(), 2u);
    EXPECT_EQ(ep(c.dns.listen[0]), "127.0.0.1:5353");
    EXPECT_EQ(ep(c.dns.listen[1]), "[::1]:5353");
    EXPECT_TRUE(c.dns.forward);
    EXPECT_TRUE(c.dns.upstreams.empty());
    EXPECT_FALSE(c.metrics.listen);
    EXPECT_EQ(c.api_group, "");
    EXPECT_TRUE(c.warnings.empty());
    EXPECT_TRUE(diff_config(Config{}, c).empty());
  }
}

TEST(ConfigFile, TheOriginalsFileLoadsWithAWarningPerTlsKey) {
  const std::string path = kTestdata + "/original.yaml";
  Result<Config> r = load_config(path);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  const Config& c = *r;
  EXPECT_EQ(c.source, path);
  EXPECT_EQ(c.control_port, 4001);
  EXPECT_EQ(c.join_timeout(), seconds(10));
  EXPECT_EQ(c.params.sync_interval, seconds(10));
  EXPECT_EQ(c.params.pull_interval, seconds(0));
  EXPECT_EQ(c.params.heartbeat_interval, seconds(120));
  EXPECT_EQ(c.params.cluster_size, 32u);
  EXPECT_DOUBLE_EQ(c.params.inter_cluster_chance, 0.2);
  EXPECT_EQ(c.params.branch, 4u);
  EXPECT_EQ(c.params.infection_count, 2u);
  EXPECT_EQ(c.log_level, LogLevel::kInfo);
  EXPECT_EQ(c.base.ip_discovery, BaseConfiguration::IpDiscovery::kOutgoing);
  EXPECT_TRUE(c.base.advertise_route);
  EXPECT_EQ(c.base.public_endpoint, "vpn.example.org");
  EXPECT_EQ(c.base.keepalive_wg, 25);
  EXPECT_EQ(c.base.hooks.pre_up, std::vector<std::string>{"echo going up"});
  EXPECT_EQ(c.base.hooks.post_up, std::vector<std::string>{"ip link show"});
  EXPECT_TRUE(c.base.hooks.pre_down.empty());
  EXPECT_EQ(c.base.hooks.post_down, (std::vector<std::string>{"echo down", "logger smeg down"}));
  ASSERT_EQ(c.warnings.size(), 4u);
  const char* keys[] = {"certificatePath", "privateKeyPath", "caCertificatePath",
                        "skipCertVerification"};
  for (int i = 0; i < 4; ++i) {
    const std::string prefix = path + ":" + std::to_string(i + 2) + ": " + keys[i] + ": ignored";
    EXPECT_EQ(c.warnings[i].rfind(prefix, 0), 0u) << c.warnings[i];
  }
}

TEST(ConfigFile, ErrorsOfReadingNameThePath) {
  Result<Config> missing = load_config("/nonexistent/smegd.yaml");
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.status().message().rfind("/nonexistent/smegd.yaml: cannot read", 0), 0u)
      << missing.status().message();
  Result<Config> dir = load_config(kTestdata);
  ASSERT_FALSE(dir.is_ok());
  EXPECT_EQ(dir.status().message(), kTestdata + ": cannot read: not a regular file");
}

TEST(ConfigFile, ErrorsInAFileNameItsPath) {
  const std::string path = ::testing::TempDir() + "/smegd-bad.yaml";
  std::ofstream(path) << "gRPCPort: 4000\nlogLevel: loud\n";
  Result<Config> r = load_config(path);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().message(),
            path + ":2: logLevel: must be error, warning, info or debug, got \"loud\"");
}

TEST(ConfigFile, AHugeFileIsRefusedUnread) {
  const std::string path = ::testing::TempDir() + "/smegd-huge.yaml";
  {
    std::ofstream out(path);
    for (int i = 0; i < 70000; ++i) out << "# a comment line that is not a configuration\n";
  }
  Result<Config> r = load_config(path);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().message(), path + ": larger than 1 MiB; not a configuration file");
}

// The example lists every key with its default, so it always loads, changes nothing, and keeps
// up with the loader: a key the loader accepts and the example lacks fails here.
TEST(ConfigExample, LoadsAsTheDefaultsAndListsEveryKey) {
  Result<Config> r = load_config(kExample);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_TRUE(r->warnings.empty());
  for (const ConfigChange& change : diff_config(Config{}, *r)) {
    ADD_FAILURE() << change.key << " differs from its default in the example";
  }
  std::ifstream in(kExample);
  std::stringstream text;
  text << in.rdbuf();
  const YAML::Node root = YAML::Load(text.str());
  for (const std::string& key : config_keys()) {
    const size_t dot = key.find('.');
    if (dot != std::string::npos) {
      EXPECT_TRUE(root[key.substr(0, dot)][key.substr(dot + 1)]) << key << " missing";
    } else if (root[key]) {
      continue;
    } else {
      // Ignored and synonymous keys are listed as comments.
      EXPECT_NE(text.str().find("\n# " + key + ": "), std::string::npos) << key << " missing";
    }
  }
}

TEST(ConfigDurations, SecondsOrAUnit) {
  Config c = parse_ok(
      "syncInterval: 200ms\npullInterval: 1.5s\nheartbeatInterval: 5m\ntimeout: 1h\n"
      "joinRetry: 7\nbaseConfiguration: {keepAliveWg: 1m}\n");
  EXPECT_EQ(c.params.sync_interval, milliseconds(200));
  EXPECT_EQ(c.params.pull_interval, milliseconds(1500));
  EXPECT_EQ(c.params.heartbeat_interval, minutes(5));
  EXPECT_EQ(c.join_timeout(), std::chrono::hours(1));
  EXPECT_EQ(c.params.join_retry, seconds(7));
  EXPECT_EQ(c.base.keepalive_wg, 60);
  EXPECT_EQ(parse_ok("joinTimeout: 30s\n").join_timeout(), seconds(30));
}

TEST(ConfigValues, OurKeysAreRead) {
  Config c = parse_ok(R"(pruneEpochs: 4
tombstoneEpochs: 0
maxPath: 5
maxMessageBytes: 1400
stateDir: /srv/smeg
socket: /tmp/smegd.sock
wgBackend: uapi
mtu: 1280
interfacePrefix: wg-m_
wgPort: 40000
apiGroup: smeg-admin
stubWg: yes
logLevel: debug
dns:
  enabled: false
  listen: []
  forward: false
  upstreams: ["9.9.9.9", "1.1.1.1:5353", "2606:4700::1111", "[2606:4700::1001]:853"]
metrics: {listen: "[::1]:9100"}
baseConfiguration:
  role: client
  publicEndpoint: "[2001:db8::1]:51820"
)");
  EXPECT_EQ(c.params.prune_epochs, 4u);
  EXPECT_EQ(c.params.tombstone_epochs, 0u);
  EXPECT_EQ(c.params.max_path, 5u);
  EXPECT_EQ(c.params.max_message_bytes, 1400u);
  EXPECT_EQ(c.state_dir, "/srv/smeg");
  EXPECT_EQ(c.socket_path, "/tmp/smegd.sock");
  EXPECT_EQ(c.wg_backend, "uapi");
  EXPECT_EQ(c.mtu, 1280u);
  EXPECT_EQ(c.interface_prefix, "wg-m_");
  EXPECT_EQ(c.wg_port, 40000);
  EXPECT_EQ(c.api_group, "smeg-admin");
  EXPECT_TRUE(c.stub_wg);
  EXPECT_EQ(c.log_level, LogLevel::kDebug);
  EXPECT_FALSE(c.dns.enabled);
  EXPECT_TRUE(c.dns.listen.empty());
  EXPECT_FALSE(c.dns.forward);
  std::vector<std::string> upstreams;
  for (const Endpoint& e : c.dns.upstreams) upstreams.push_back(ep(e));
  EXPECT_EQ(upstreams, (std::vector<std::string>{"9.9.9.9:53", "1.1.1.1:5353",
                                                 "[2606:4700::1111]:53", "[2606:4700::1001]:853"}));
  ASSERT_TRUE(c.metrics.listen);
  EXPECT_EQ(ep(*c.metrics.listen), "[::1]:9100");
  EXPECT_EQ(c.base.role, Role::kClient);
  EXPECT_EQ(c.base.public_endpoint, "[2001:db8::1]:51820");
  // Empty means off (or none) for the optional ones.
  Config off =
      parse_ok("metrics: {listen: \"\"}\napiGroup:\nbaseConfiguration: {publicEndpoint: ~}");
  EXPECT_FALSE(off.metrics.listen);
  EXPECT_EQ(off.api_group, "");
  EXPECT_FALSE(off.base.public_endpoint);
}

// The example of the task, verbatim: file, line, dotted key, the bad value.
TEST(ConfigErrors, NameFileLineAndDottedKey) {
  const std::string yaml =
      "gRPCPort: 4000\ntimeout: 5\nstubWg: false\nsyncInterval: 2\npullInterval: 20\n"
      "heartbeatInterval: 60\nclusterSize: 64\nbranch: 3\ninfectionCount: 3\nlogLevel: info\n"
      "baseConfiguration:\n  role: router\n";
  Result<Config> r = parse_config(yaml, "smegd.yaml");
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().message(),
            "smegd.yaml:12: baseConfiguration.role: must be peer or client, got \"router\"");
}

struct BadCase {
  const char* yaml;
  const char* message;  // the whole message
};

TEST(ConfigErrors, EveryBadValueIsRefusedByName) {
  const BadCase cases[] = {
      // Types and shapes.
      {"- a\n- b\n", "t.yaml:1: configuration: must be a mapping of keys, got a list"},
      {"gRPCPort: [1, 2]\n", "t.yaml:1: gRPCPort: must be a whole number, got a list"},
      {"branch: {a: 1}\n", "t.yaml:1: branch: must be a whole number, got a mapping"},
      {"clusterSize: 1.5\n", "t.yaml:1: clusterSize: must be a whole number, got \"1.5\""},
      {"clusterSize: 99999999999\n",
       "t.yaml:1: clusterSize: must be at most 4294967295, got "
       "99999999999"},
      {"stubWg: maybe\n", "t.yaml:1: stubWg: must be true or false, got \"maybe\""},
      {"interClusterChance: lots\n",
       "t.yaml:1: interClusterChance: must be a number, got \"lots\""},
      {"baseConfiguration: 5\n",
       "t.yaml:1: baseConfiguration: must be a mapping of keys, got \"5\""},
      {"socket: [a]\n", "t.yaml:1: socket: must be a string, got a list"},
      {"? [a, b]\n: 1\n", "t.yaml:1: configuration: keys must be plain names"},
      // Unknown and repeated keys.
      {"mtu: 1400\nmtu: 1500\n", "t.yaml:2: mtu: repeated key"},
      {"timeout: 5\njoinTimeout: 6\n",
       "t.yaml:2: joinTimeout: is the same setting as timeout; give one"},
      // Ports and other numbers out of range.
      {"gRPCPort: 0\n", "t.yaml:1: gRPCPort: must be a port in 1..65535, got 0"},
      {"wgPort: 65536\n", "t.yaml:1: wgPort: must be a port in 1..65535, got 65536"},
      {"gRPCPort: -1\n", "t.yaml:1: gRPCPort: must not be negative, got -1"},
      {"mtu: 1000\n", "t.yaml:1: mtu: must be at least 1280 (the IPv6 minimum), got 1000"},
      {"mtu: 70000\n", "t.yaml:1: mtu: must be at most 65535, got 70000"},
      // Durations.
      {"timeout: -5\n", "t.yaml:1: timeout: must not be negative, got -5"},
      {"syncInterval: -200ms\n", "t.yaml:1: syncInterval: must not be negative, got -200ms"},
      {"syncInterval: 5sec\n",
       "t.yaml:1: syncInterval: '5sec' has an unknown unit (expected us, ms, s, m or h)"},
      {"pullInterval: [1]\n",
       "t.yaml:1: pullInterval: must be a duration (seconds, or 200ms, 2s, 5m, 1h), got a list"},
      // The core's own rules, at the key they concern.
      {"\nheartbeatInterval: 0\n", "t.yaml:2: heartbeatInterval: must be positive, got 0"},
      {"branch: 0\n", "t.yaml:1: branch: must be in 1..64, got 0"},
      {"interClusterChance: 1.5\n", "t.yaml:1: interClusterChance: must be in [0, 1], got 1.5"},
      {"pruneEpochs: 1\n", "t.yaml:1: pruneEpochs: must be at least 2, got 1"},
      {"maxPath: 0\n", "t.yaml:1: maxPath: must be in 1..16, got 0"},
      {"maxMessageBytes: 100\n", "t.yaml:1: maxMessageBytes: must be >= 1200, got 100"},
      {"maxMessageBytes: 70000\n",
       "t.yaml:1: maxMessageBytes: must be at most 65441 (a sealed message travels in one UDP "
       "datagram), got 70000"},
      {"timeout: 500ms\n",
       "t.yaml:1: timeout: must be at least the join retry interval, got 500ms"},
      {"joinTimeout: 500ms\n", "t.yaml:1: joinTimeout: must be at least the join retry interval"},
      {"joinRetry: 10s\n", "t.yaml:1: joinRetry: must not be longer than timeout (5s unless set)"},
      // Names and paths.
      {"logLevel: verbose\n",
       "t.yaml:1: logLevel: must be error, warning, info or debug, got \"verbose\""},
      {"wgBackend: kernel\n",
       "t.yaml:1: wgBackend: must be auto, netlink, uapi or memory, got \"kernel\""},
      {"stateDir: var/lib/smeg\n",
       "t.yaml:1: stateDir: must be an absolute path, got \"var/lib/smeg\""},
      {"interfacePrefix: abcdefghijklm\n",
       "t.yaml:1: interfacePrefix: must be 1..12 characters (an interface name is at most 15, "
       "with the mesh index), got \"abcdefghijklm\""},
      {"interfacePrefix: \"\"\n",
       "t.yaml:1: interfacePrefix: must be 1..12 characters (an interface name is at most 15, "
       "with the mesh index), got \"\""},
      {"interfacePrefix: sm/eg\n",
       "t.yaml:1: interfacePrefix: may hold only letters, digits, '-' and '_', got \"sm/eg\""},
      {"apiGroup: -wheel\n",
       "t.yaml:1: apiGroup: must be a group name (1..32 letters, digits, '.', '_', '-'), got "
       "\"-wheel\""},
      // baseConfiguration.
      {"baseConfiguration:\n  ipDiscovery: stun\n",
       "t.yaml:2: baseConfiguration.ipDiscovery: must be public or outgoing, got \"stun\""},
      {"baseConfiguration:\n  keepAliveWg: 1.5s\n",
       "t.yaml:2: baseConfiguration.keepAliveWg: must be whole seconds in 0..65535 (WireGuard's "
       "unit), got 1.5s"},
      {"baseConfiguration:\n  keepAliveWg: 70000\n",
       "t.yaml:2: baseConfiguration.keepAliveWg: must be whole seconds in 0..65535 (WireGuard's "
       "unit), got 70000"},
      {"baseConfiguration:\n  publicEndpoint: \"host:0\"\n",
       "t.yaml:2: baseConfiguration.publicEndpoint: \"host:0\": the port must be 1..65535"},
      {"baseConfiguration:\n  preUp: echo hi\n",
       "t.yaml:2: baseConfiguration.preUp: must be a list of commands, got \"echo hi\""},
      {"baseConfiguration:\n  postDown:\n    - ok\n    - [a]\n",
       "t.yaml:4: baseConfiguration.postDown[1]: must be a string, got a list"},
      {"baseConfiguration:\n  preDown: [\"\"]\n",
       "t.yaml:2: baseConfiguration.preDown[0]: must not be an empty command"},
      {"baseConfiguration:\n  role: client\n  advertiseDefaults: true\n",
       "t.yaml:3: baseConfiguration.advertiseDefaults: a client does not route; only role peer "
       "may advertise"},
      {"baseConfiguration:\n  advertiseRoute: true\n  role: client\n",
       "t.yaml:2: baseConfiguration.advertiseRoute: a client does not route; only role peer may "
       "advertise"},
      // dns and metrics.
      {"dns:\n  listen: [\"127.0.0.1:53\", \"::1:53\"]\n",
       "t.yaml:2: dns.listen[1]: invalid endpoint \"::1:53\": IPv6 endpoints need brackets: "
       "\"[v6]:port\""},
      {"dns:\n  listen: []\n", "t.yaml:2: dns.listen: must not be empty while dns is enabled"},
      {"dns:\n  upstreams:\n    - 1.1.1.1\n    - resolver.example\n",
       "t.yaml:4: dns.upstreams[1]: \"resolver.example\": not an IP address (ADDR, ADDR:PORT or "
       "[v6]:PORT)"},
      {"dns:\n  forward: 1.1.1.1\n",
       "t.yaml:2: dns.forward: must be true or false, got "
       "\"1.1.1.1\""},
      {"dns: [a]\n", "t.yaml:1: dns: must be a mapping of keys, got a list"},
      {"metrics:\n  listen: localhost:9100\n",
       "t.yaml:2: metrics.listen: invalid endpoint \"localhost:9100\": invalid IPv4 address "
       "\"localhost\": expected four dot-separated numbers"},
  };
  for (const BadCase& c : cases) EXPECT_EQ(parse_error(c.yaml), c.message) << c.yaml;
}

TEST(ConfigErrors, UnknownKeysAreRefusedWithTheirPath) {
  std::string top = parse_error("gRPCPort: 4000\nlistenPort: 1\n");
  EXPECT_EQ(top.rfind("t.yaml:2: listenPort: unknown key (expected one of: gRPCPort, ", 0), 0u)
      << top;
  std::string nested = parse_error("baseConfiguration:\n  role: peer\n  rol: peer\n");
  EXPECT_EQ(nested,
            "t.yaml:3: baseConfiguration.rol: unknown key (expected one of: ipDiscovery, "
            "advertiseRoute, advertiseDefaults, publicEndpoint, role, keepAliveWg, preUp, "
            "postUp, preDown or postDown)");
  EXPECT_EQ(parse_error("metrics:\n  port: 9100\n"),
            "t.yaml:2: metrics.port: unknown key (expected one of: listen)");
}

TEST(ConfigErrors, YamlSyntaxErrorsBecomeMessages) {
  const std::string m = parse_error("gRPCPort: 4000\nbranch: [1, 2\n");
  EXPECT_EQ(m.rfind("t.yaml:", 0), 0u) << m;
  EXPECT_NE(m.find(": yaml: "), std::string::npos) << m;
  const std::string tab = parse_error("a: b\n\tc: d\n");
  EXPECT_NE(tab.find(": yaml: "), std::string::npos) << tab;
}

TEST(ConfigKeys, AreUniqueAndDotted) {
  const std::vector<std::string>& keys = config_keys();
  EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()).size(), keys.size());
  EXPECT_EQ(keys.front(), "gRPCPort");
  EXPECT_NE(std::find(keys.begin(), keys.end(), "baseConfiguration.postDown"), keys.end());
  EXPECT_NE(std::find(keys.begin(), keys.end(), "dns.upstreams"), keys.end());
  EXPECT_EQ(std::find(keys.begin(), keys.end(), "dns"), keys.end());
}

}  // namespace
}  // namespace smeg::daemon

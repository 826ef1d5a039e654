#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "daemon/config.h"

namespace smeg::daemon {
namespace {

Config parse_ok(const std::string& yaml) {
  Result<Config> r = parse_config(yaml, "t.yaml");
  EXPECT_TRUE(r.is_ok()) << yaml << "\n=> " << r.status().message();
  return r.is_ok() ? *r : Config{};
}

struct KeyChange {
  const char* yaml;  // sets the key to something other than its default
  bool needs_restart;
};

// One entry per key of config_keys() (the TLS keys aside: they change nothing). logLevel,
// dns.forward/upstreams and baseConfiguration apply on SIGHUP; ports, paths, names, listeners
// and the protocol's tunables (a Node's Params are fixed for its life) need a restart.
const std::map<std::string, KeyChange>& changes() {
  static const std::map<std::string, KeyChange> table = {
      {"gRPCPort", {"gRPCPort: 4001", true}},
      {"timeout", {"timeout: 6", true}},
      {"joinTimeout", {"joinTimeout: 6", true}},
      {"stubWg", {"stubWg: true", true}},
      {"syncInterval", {"syncInterval: 3", true}},
      {"pullInterval", {"pullInterval: 0", true}},
      {"heartbeatInterval", {"heartbeatInterval: 30", true}},
      {"clusterSize", {"clusterSize: 8", true}},
      {"interClusterChance", {"interClusterChance: 0.5", true}},
      {"branch", {"branch: 5", true}},
      {"infectionCount", {"infectionCount: 5", true}},
      {"logLevel", {"logLevel: debug", false}},
      {"pruneEpochs", {"pruneEpochs: 4", true}},
      {"tombstoneEpochs", {"tombstoneEpochs: 3", true}},
      {"maxPath", {"maxPath: 4", true}},
      {"maxMessageBytes", {"maxMessageBytes: 9000", true}},
      {"joinRetry", {"joinRetry: 2", true}},
      {"baseConfiguration.ipDiscovery", {"baseConfiguration: {ipDiscovery: outgoing}", false}},
      {"baseConfiguration.advertiseRoute", {"baseConfiguration: {advertiseRoute: true}", false}},
      {"baseConfiguration.advertiseDefaults",
       {"baseConfiguration: {advertiseDefaults: true}", false}},
      {"baseConfiguration.publicEndpoint", {"baseConfiguration: {publicEndpoint: a.b}", false}},
      {"baseConfiguration.role", {"baseConfiguration: {role: client}", false}},
      {"baseConfiguration.keepAliveWg", {"baseConfiguration: {keepAliveWg: 25}", false}},
      {"baseConfiguration.preUp", {"baseConfiguration: {preUp: [x]}", false}},
      {"baseConfiguration.postUp", {"baseConfiguration: {postUp: [x]}", false}},
      {"baseConfiguration.preDown", {"baseConfiguration: {preDown: [x]}", false}},
      {"baseConfiguration.postDown", {"baseConfiguration: {postDown: [x]}", false}},
      {"stateDir", {"stateDir: /srv/smeg", true}},
      {"socket", {"socket: /tmp/s.sock", true}},
      {"wgBackend", {"wgBackend: netlink", true}},
      {"mtu", {"mtu: 1380", true}},
      {"interfacePrefix", {"interfacePrefix: wg", true}},
      {"wgPort", {"wgPort: 51000", true}},
      {"dns.enabled", {"dns: {enabled: false}", true}},
      {"dns.listen", {"dns: {listen: [\"127.0.0.1:53\"]}", true}},
      {"dns.forward", {"dns: {forward: false}", false}},
      {"dns.upstreams", {"dns: {upstreams: [9.9.9.9]}", false}},
      {"metrics.listen", {"metrics: {listen: \"127.0.0.1:9100\"}", true}},
      {"apiGroup", {"apiGroup: smeg", true}},
  };
  return table;
}

bool is_tls_key(const std::string& key) {
  return key == "certificatePath" || key == "privateKeyPath" || key == "caCertificatePath" ||
         key == "skipCertVerification";
}

TEST(ConfigDiff, EveryKeyIsClassified) {
  for (const std::string& key : config_keys()) {
    if (is_tls_key(key)) continue;
    auto it = changes().find(key);
    ASSERT_NE(it, changes().end()) << key << " has no entry here";
    const std::vector<ConfigChange> diff = diff_config(Config{}, parse_ok(it->second.yaml));
    // joinTimeout is timeout by another name.
    const std::string reported = key == "joinTimeout" ? "timeout" : key;
    EXPECT_EQ(diff, (std::vector<ConfigChange>{{reported, it->second.needs_restart}})) << key;
  }
}

TEST(ConfigDiff, IgnoredKeysAndWarningsChangeNothing) {
  const Config a = parse_ok("certificatePath: /a\nskipCertVerification: true\n");
  EXPECT_EQ(a.warnings.size(), 2u);
  EXPECT_TRUE(diff_config(Config{}, a).empty());
  EXPECT_TRUE(diff_config(a, a).empty());
}

TEST(ConfigDiff, ListsChangesInFileOrder) {
  const Config a = parse_ok("logLevel: info\ndns: {forward: true}\n");
  const Config b = parse_ok("dns: {forward: false}\nsocket: /tmp/x.sock\nlogLevel: error\n");
  const std::vector<ConfigChange> expected = {
      {"logLevel", false}, {"socket", true}, {"dns.forward", false}};
  EXPECT_EQ(diff_config(a, b), expected);
  EXPECT_EQ(diff_config(b, a), expected);
}

TEST(ConfigDiff, AListChangeIsOneChange) {
  const Config a = parse_ok("baseConfiguration: {postUp: [a, b]}\n");
  const Config b = parse_ok("baseConfiguration: {postUp: [b, a]}\n");
  EXPECT_EQ(diff_config(a, b), (std::vector<ConfigChange>{{"baseConfiguration.postUp", false}}));
}

}  // namespace
}  // namespace smeg::daemon

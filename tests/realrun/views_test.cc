#include "tests/realrun/views.h"

#include <gtest/gtest.h>

namespace smeg::realrun {
namespace {

TEST(WireguardPeerKeys, TheNodesWithAWireguardMemberAreTheView) {
  auto doc = api::parse(R"({"id": "m", "nodes": [
    {"key": "A=", "self": true},
    {"key": "B=", "wireguard": {"rxBytes": 1}},
    {"key": "C=", "alive": false},
    {"key": "D=", "wireguard": {}}]})");
  ASSERT_TRUE(doc.is_ok());
  auto keys = wireguard_peer_keys(*doc);
  ASSERT_TRUE(keys.is_ok()) << keys.status().message();
  EXPECT_EQ(*keys, (std::vector<std::string>{"B=", "D="}));
}

TEST(WireguardPeerKeys, ADamagedDocumentIsRefusedNamingTheField) {
  auto no_nodes = wireguard_peer_keys(*api::parse(R"({"id": "m"})"));
  ASSERT_FALSE(no_nodes.is_ok());
  EXPECT_NE(no_nodes.status().message().find("\"nodes\""), std::string::npos);
  auto no_key =
      wireguard_peer_keys(*api::parse(R"({"nodes": [{"key": "A="}, {"wireguard": {}}]})"));
  ASSERT_FALSE(no_key.is_ok());
  EXPECT_NE(no_key.status().message().find("nodes[1]: field \"key\""), std::string::npos)
      << no_key.status().message();
  auto not_object = wireguard_peer_keys(*api::parse(R"({"nodes": [3]})"));
  ASSERT_FALSE(not_object.is_ok());
  EXPECT_EQ(not_object.status().message(), "nodes[0]: expected an object");
}

TEST(CounterSum, SumsEveryLabelledSampleOfTheCounterOnly) {
  const char* text =
      "# HELP smeg_gossip_bytes_total Sealed control bytes sent, by type.\n"
      "# TYPE smeg_gossip_bytes_total counter\n"
      "smeg_gossip_bytes_total{type=\"sync\"} 1200\n"
      "smeg_gossip_bytes_total{type=\"push\",mesh=\"a}b\"} 34.5\n"
      "smeg_gossip_bytes_total_other 1000000\n"
      "smeg_gossip_messages_total{type=\"sync\"} 7\n";
  auto sum = counter_sum(text, "smeg_gossip_bytes_total");
  ASSERT_TRUE(sum.is_ok()) << sum.status().message();
  EXPECT_DOUBLE_EQ(*sum, 1234.5);
  EXPECT_DOUBLE_EQ(*counter_sum("smeg_up 1\n", "smeg_gossip_bytes_total"), 0.0);
  EXPECT_DOUBLE_EQ(*counter_sum("smeg_x 5 1700000000000", "smeg_x"), 5.0);  // a timestamp
}

TEST(CounterByLabel, SumsPerValueOfTheLabel) {
  const char* text =
      "smeg_gossip_bytes_total{type=\"sync\"} 1200\n"
      "smeg_gossip_bytes_total{mesh=\"x\\\"}\",type=\"sync\"} 10\n"
      "smeg_gossip_bytes_total{type=\"delta\"} 5\n"
      "smeg_gossip_bytes_total 7\n";
  auto by = counter_by_label(text, "smeg_gossip_bytes_total", "type");
  ASSERT_TRUE(by.is_ok()) << by.status().message();
  EXPECT_EQ(*by, (std::map<std::string, double>{{"", 7}, {"delta", 5}, {"sync", 1210}}));
  auto bad = counter_by_label("smeg_x{type=sync} 1\n", "smeg_x", "type");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().message(), "metrics line 1: unterminated labels");
}

TEST(CounterSum, AnUnreadableValueNamesTheLineAndCounter) {
  auto bad = counter_sum("smeg_up 1\nsmeg_x{a=\"b\"} twelve\n", "smeg_x");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().message(), "metrics line 2: smeg_x: not a number: \"twelve\"");
  auto open = counter_sum("smeg_x{a=\"b\" 3\n", "smeg_x");
  ASSERT_FALSE(open.is_ok());
  EXPECT_EQ(open.status().message(), "metrics line 1: unterminated labels");
}

TEST(CounterTotal, CountsFromTheFirstScrapeAcrossRestarts) {
  CounterTotal c;
  c.scrape(1000);  // the baseline
  c.scrape(1500);
  EXPECT_DOUBLE_EQ(c.total(), 500);
  c.scrape(200);  // fell: a new process that has counted 200 so far
  EXPECT_DOUBLE_EQ(c.total(), 700);
  c.restarted();  // told: a new process, even though it already counted more than before
  c.scrape(900);
  EXPECT_DOUBLE_EQ(c.total(), 1600);
}

TEST(LabelledCounterTotal, ALabelFirstSeenLaterCountsFromZero) {
  LabelledCounterTotal c;
  c.scrape({{"sync", 100}});  // the baseline
  c.scrape({{"sync", 150}, {"snapshot", 40}});
  EXPECT_DOUBLE_EQ(c.by_label().at("sync").total(), 50);
  EXPECT_DOUBLE_EQ(c.by_label().at("snapshot").total(), 40);
  c.restarted();
  c.scrape({{"sync", 10}});
  EXPECT_DOUBLE_EQ(c.total(), 100);
}

std::vector<bool> hosts(std::initializer_list<int> in, uint32_t n = 4) {
  std::vector<bool> v(n, false);
  for (int h : in) v[static_cast<size_t>(h)] = true;
  return v;
}

TEST(ViewTracker, ACrashConvergesWhenTheLastViewDropsTheHost) {
  ViewTracker t(4);
  const auto all = hosts({0, 1, 2, 3});
  for (uint32_t y = 0; y < 4; ++y) {
    auto v = all;
    v[y] = false;
    t.observe(y, v, 0, all);
  }
  const auto up = hosts({0, 1, 2});
  t.crashed(3, 1'000'000, up);
  t.observe(0, hosts({1, 2}), 3'000'000, up);
  t.observe(1, hosts({0, 2}), 3'500'000, up);
  t.observe(2, hosts({0, 1, 3}), 3'500'000, up);  // still holds 3: unconverged so far
  auto s = t.metrics().failure_convergence(up);
  EXPECT_EQ(s.count, 2u);
  EXPECT_EQ(s.unconverged, 1u);
  t.observe(2, hosts({0, 1}), 4'000'000, up);
  s = t.metrics().failure_convergence(up);
  EXPECT_EQ(s.count, 3u);
  EXPECT_EQ(s.unconverged, 0u);
  EXPECT_DOUBLE_EQ(s.p50, 2.5);
  EXPECT_DOUBLE_EQ(s.max, 3.0);
  EXPECT_EQ(t.metrics().false_prunes(), 0u);  // 3 was down when it was dropped
}

TEST(ViewTracker, DroppingARunningHostIsAFalsePrune) {
  ViewTracker t(3);
  const auto all = hosts({0, 1, 2}, 3);
  t.observe(0, hosts({1, 2}, 3), 0, all);
  t.observe(0, hosts({1}, 3), 1000, all);
  EXPECT_EQ(t.metrics().false_prunes(), 1u);
  // Its own key in a view is never counted.
  t.observe(1, hosts({0, 1}, 3), 2000, all);
  EXPECT_FALSE(t.view(1)[1]);
}

TEST(ViewTracker, AJoinIsSeenWhenAnObserversViewFirstHoldsIt) {
  ViewTracker t(3);
  const auto all = hosts({0, 1, 2}, 3);
  t.joining(2, 10'000'000, hosts({0, 1}, 3));
  t.observe(0, hosts({1, 2}, 3), 10'400'000, all);
  t.observe(1, hosts({0}, 3), 10'400'000, all);
  auto s = t.metrics().join_dissemination(all);
  EXPECT_EQ(s.count, 1u);
  EXPECT_EQ(s.unconverged, 1u);
  t.observe(1, hosts({0, 2}, 3), 10'600'000, all);
  s = t.metrics().join_dissemination(all);
  EXPECT_EQ(s.count, 2u);
  EXPECT_DOUBLE_EQ(s.max, 0.6);
}

}  // namespace
}  // namespace smeg::realrun

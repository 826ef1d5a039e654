#include "sim/metrics.h"

#include <gtest/gtest.h>

namespace smeg::sim {
namespace {

TEST(Summarize, NearestRankPercentiles) {
  std::vector<int64_t> s;
  for (int i = 1; i <= 100; ++i) s.push_back(i * 1000000);  // 1..100 s
  const SampleSummary r = summarize(s, 3);
  EXPECT_EQ(r.count, 100u);
  EXPECT_DOUBLE_EQ(r.p50, 50.0);
  EXPECT_DOUBLE_EQ(r.p99, 99.0);
  EXPECT_DOUBLE_EQ(r.max, 100.0);
  EXPECT_EQ(r.unconverged, 3u);
  EXPECT_EQ(summarize({}, 0).count, 0u);
  EXPECT_DOUBLE_EQ(summarize({2500000}, 0).p99, 2.5);
}

TEST(Metrics, FailureConvergenceIsTheLastRemovalPerObserver) {
  Metrics m(4);
  // Node 3 crashes at t=10 s; observers 0, 1, 2 all held it (in one mesh view each).
  m.crashed(3, 10'000'000, {1, 1, 1, 0}, {true, true, true, true});
  m.member_removed(0, 3, 12'000'000, false);
  m.member_removed(1, 3, 13'000'000, false);
  // Observer 1 re-adds it briefly and drops it again: the later removal counts.
  m.member_added(1, 3, 13'500'000);
  m.member_removed(1, 3, 14'000'000, false);
  // Observer 2 never drops it: unconverged.
  const SampleSummary s = m.failure_convergence({true, true, true, false});
  EXPECT_EQ(s.count, 2u);
  EXPECT_DOUBLE_EQ(s.max, 4.0);
  EXPECT_EQ(s.unconverged, 1u);
  // Observers that are dead at the end do not count.
  EXPECT_EQ(m.failure_convergence({true, false, false, false}).count, 1u);
}

TEST(Metrics, BridgedObserverConvergesWhenGoneFromEveryMesh) {
  Metrics m(3);
  m.crashed(2, 0, {2, 1, 0}, {true, true, true});  // observer 0 sees node 2 in two meshes
  m.member_removed(0, 2, 1'000'000, false);
  EXPECT_EQ(m.failure_convergence({true, true, false}).unconverged, 2u);
  m.member_removed(0, 2, 3'000'000, false);
  m.member_removed(1, 2, 2'000'000, false);
  const SampleSummary s = m.failure_convergence({true, true, false});
  EXPECT_EQ(s.unconverged, 0u);
  EXPECT_DOUBLE_EQ(s.max, 3.0);
}

TEST(Metrics, RestartClosesTheCrashMeasurement) {
  Metrics m(3);
  m.crashed(2, 0, {1, 1, 0}, {true, true, true});
  m.member_removed(0, 2, 1'000'000, false);
  m.restarted(2, 2'000'000);
  m.member_added(1, 2, 2'500'000);  // after the restart: not part of that crash any more
  m.member_removed(1, 2, 3'000'000, false);
  EXPECT_EQ(m.failure_convergence({true, true, true}).count, 1u);
}

TEST(Metrics, JoinDisseminationIsTheFirstAdd) {
  Metrics m(4);
  m.joining(3, 5'000'000, {true, true, true, true});
  m.member_added(0, 3, 5'200'000);
  m.member_added(1, 3, 5'400'000);
  m.member_added(0, 3, 9'000'000);  // a later re-add does not move the first sighting
  const SampleSummary s = m.join_dissemination({true, true, true, true});
  EXPECT_EQ(s.count, 2u);
  EXPECT_NEAR(s.max, 0.4, 1e-9);
  EXPECT_EQ(s.unconverged, 1u);  // observer 2 never saw it
}

TEST(Metrics, ObserversThatAreDownDoNotCount) {
  Metrics m(5);
  // Observer 3 is down when node 4 crashes; observer 2 goes down before dropping it.
  m.crashed(4, 0, {1, 1, 1, 1, 0}, {true, true, true, false, true});
  m.member_removed(0, 4, 2'000'000, false);
  m.node_down(2);
  m.member_added(3, 4, 3'000'000);  // 3 comes back with a stale view, then catches up
  m.member_removed(3, 4, 4'000'000, false);
  m.member_removed(1, 4, 2'500'000, false);
  m.node_down(1);  // already converged: its sample stands
  const SampleSummary s = m.failure_convergence({true, true, true, true, false});
  EXPECT_EQ(s.count, 2u);  // observers 0 and 1
  EXPECT_EQ(s.unconverged, 0u);
  EXPECT_DOUBLE_EQ(s.max, 2.5);
  // A joiner: observer 1 is down at the start, observer 2 goes down before seeing it.
  m.joining(4, 10'000'000, {true, false, true, true, true});
  m.member_added(0, 4, 10'300'000);
  m.node_down(2);
  m.member_added(1, 4, 30'000'000);  // back 20 s later: not a dissemination sample
  m.member_added(2, 4, 31'000'000);
  const SampleSummary j = m.join_dissemination({true, true, true, true, true});
  EXPECT_EQ(j.count, 1u);
  EXPECT_EQ(j.unconverged, 1u);  // observer 3 was up and never saw it
  // The joiner goes down: those that have not seen it are no longer waiting for it.
  m.node_down(4);
  EXPECT_EQ(m.join_dissemination({true, true, true, true, true}).unconverged, 0u);
}

TEST(Metrics, SampleListsNameSubjectObserverAndStart) {
  Metrics m(4);
  m.crashed(3, 10'000'000, {1, 1, 0, 0}, {true, true, true, true});  // 2 never held 3
  m.member_removed(0, 3, 12'500'000, false);
  m.joining(2, 20'000'000, {true, true, true, true});
  m.member_added(1, 2, 20'300'000);
  const std::vector<bool> live{true, true, true, false};
  const std::vector<Sample> f = m.failure_sample_list(live);
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].subject, 3u);
  EXPECT_EQ(f[0].observer, 0u);
  EXPECT_EQ(f[0].t0_us, 10'000'000);
  EXPECT_EQ(f[0].latency_us, 2'500'000);
  EXPECT_EQ(f[1].observer, 1u);
  EXPECT_FALSE(f[1].converged());
  const std::vector<Sample> j = m.join_sample_list(live);
  ASSERT_EQ(j.size(), 2u);  // observers 0 and 1 (3 is dead, 2 is the joiner)
  EXPECT_FALSE(j[0].converged());
  EXPECT_EQ(j[1].observer, 1u);
  EXPECT_EQ(j[1].latency_us, 300'000);
  // The summaries count exactly these samples.
  const SampleSummary fs = m.failure_convergence(live);
  EXPECT_EQ(fs.count + fs.unconverged, f.size());
  const SampleSummary js = m.join_dissemination(live);
  EXPECT_EQ(js.count + js.unconverged, j.size());
  EXPECT_EQ(m.failure_samples(live), std::vector<int64_t>{2'500'000});
}

TEST(Metrics, FalsePrunesCountOnlyAliveAndReachable) {
  Metrics m(2);
  m.member_removed(0, 1, 1, true);
  m.member_removed(0, 1, 2, false);
  EXPECT_EQ(m.false_prunes(), 1u);
}

}  // namespace
}  // namespace smeg::sim

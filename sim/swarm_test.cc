#include "sim/swarm.h"

#include <gtest/gtest.h>

#include "sim/engine.h"

namespace smeg::sim {
namespace {

TEST(Swarm, DrawIsAFunctionOfTheSeed) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const std::string a = scenario_to_yaml(draw_swarm(seed, 40).scenario);
    EXPECT_EQ(a, scenario_to_yaml(draw_swarm(seed, 40).scenario)) << seed;
    EXPECT_NE(a, scenario_to_yaml(draw_swarm(seed + 1, 40).scenario)) << seed;
  }
}

// The heal is real: every timed fault is over by then, and the run lasts the convergence bound
// beyond it, so the liveness check applies.
TEST(Swarm, EveryFaultEndsByTheHeal) {
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    const SwarmDraw d = draw_swarm(seed, 40);
    const Scenario& sc = d.scenario;
    EXPECT_GE(sc.faults.size(), 3u);
    EXPECT_EQ(sc.duration.count(), d.heal_at + convergence_bound(sc).count());
    EXPECT_GE(sc.params.heartbeat_interval.count(), 500'000);
    EXPECT_LE(sc.params.heartbeat_interval.count(), 2'000'000);
    for (const Fault& f : sc.faults) {
      int64_t end = f.at.count();
      if (const auto* p = std::get_if<PartitionFault>(&f.action)) end += p->length.count();
      if (const auto* l = std::get_if<LossFault>(&f.action)) {
        end += l->length.count();
        EXPECT_LE(l->value, 0.3);
      }
      if (const auto* c = std::get_if<ClogFault>(&f.action)) end += c->length.count();
      if (const auto* s = std::get_if<SlowFault>(&f.action))
        end += s->length.count() + s->delay.count();
      if (const auto* k = std::get_if<SkewFault>(&f.action)) {
        // The longest slew: |offset| at half of the slowest rate.
        end += static_cast<int64_t>(static_cast<double>(-std::min<int64_t>(k->offset.count(), 0)) /
                                    (0.9 * 0.5)) +
               1;
      }
      EXPECT_LE(end, d.heal_at) << "seed " << seed << " fault " << fault_kind(f.action);
    }
  }
}

// --print-scenario's YAML reads back as the same scenario, and replays the same run.
TEST(Swarm, PrintedScenarioReplaysTheRun) {
  for (uint64_t seed : {3u, 8u, 12u}) {
    const SwarmDraw d = draw_swarm(seed, 24);
    const std::string yaml = scenario_to_yaml(d.scenario);
    auto back = parse_scenario(yaml, "swarm.yaml");
    ASSERT_TRUE(back.is_ok()) << back.status().message() << "\n" << yaml;
    EXPECT_EQ(scenario_to_yaml(*back), yaml);
    Simulation drawn(d.scenario, seed), parsed(*back, back->seed);
    EXPECT_EQ(drawn.run().digest, parsed.run().digest) << seed;
  }
}

TEST(Swarm, RunReportsConvergence) {
  const SwarmOutcome o = run_swarm(draw_swarm(1, 40));
  EXPECT_TRUE(o.ok) << o.line;
  EXPECT_NE(o.line.find("converged by"), std::string::npos) << o.line;
  EXPECT_TRUE(o.details.empty());
}

}  // namespace
}  // namespace smeg::sim

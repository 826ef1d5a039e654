// The simulation engine: runs a scenario's virtual nodes (unmodified core Nodes) on one thread
// in virtual time. Messages are the encoded bytes the cores produced, carried by the network
// model; timers are re-armed from each core's poll_timeout(); faults come from the scenario.
// Everything random is drawn from generators seeded by the run seed, so a run is a function of
// (scenario, seed), and digest() fingerprints the end state to check exactly that.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/node.h"
#include "sim/event_queue.h"
#include "sim/exits.h"
#include "sim/metrics.h"
#include "sim/network.h"
#include "sim/oracle.h"
#include "sim/scenario.h"

namespace smeg::sim {

// Messages and bytes handed to the network, by message type (index: the wire type byte; 0 holds
// anything unrecognisable).
struct Traffic {
  static constexpr size_t kTypes = 8;
  std::array<uint64_t, kTypes> messages{};
  std::array<uint64_t, kTypes> bytes{};
  uint64_t total_messages() const;
  uint64_t total_bytes() const;
};

struct RunSummary {
  std::string name;
  uint64_t seed = 0;
  uint32_t nodes = 0;
  double sim_seconds = 0;
  uint64_t events = 0;
  SampleSummary failure_convergence;
  SampleSummary join_dissemination;
  uint64_t false_prunes = 0;
  double control_bytes_per_node_per_second = 0;
  uint64_t invariant_violations = 0;  // see sim/oracle.h
  std::vector<Violation> first_violations;
  double messages_per_node_per_second = 0;
  // Steady traffic (from the end of formation), per type, per live node per second.
  std::array<double, Traffic::kTypes> type_messages_per_node_per_second{};
  std::array<double, Traffic::kTypes> type_bytes_per_node_per_second{};
  uint64_t digest = 0;
  // Per live node, from the end of formation: leader changes and route changes it saw.
  double leader_changes_per_node = 0;
  double route_changes_per_node = 0;
  ExitMoves exits;
};

class Simulation {
 public:
  Simulation(const Scenario& scenario, uint64_t seed, OracleOptions oracle = {});
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  // Runs until virtual time t (microseconds); returns false when the run is over.
  bool run_until(int64_t t);
  // Runs the whole scenario.
  RunSummary run();
  RunSummary summary() const;
  // A fingerprint of every node's state and the generators' next draws.
  uint64_t digest() const;

  int64_t now() const { return now_; }
  uint64_t events() const { return events_; }
  // The mean number of pending events over the run (the heap's working size).
  double mean_pending() const {
    return events_ ? static_cast<double>(pending_sum_) / static_cast<double>(events_) : 0;
  }
  uint32_t node_count() const { return static_cast<uint32_t>(nodes_.size()); }
  const Node& node(uint32_t i) const;
  bool alive(uint32_t i) const;
  const Scenario& scenario() const { return scenario_; }
  uint64_t seed() const { return seed_; }
  const Metrics& metrics() const { return metrics_; }
  // Which nodes are alive now, by index (what the metrics call "live at the end").
  std::vector<bool> live_nodes() const;

  // Called when formation is over (fault: nullopt) and just before each fault starts (fault:
  // its index in scenario().faults), with the state as it is then; topology snapshots hang here.
  using Hook = std::function<void(const Simulation&, std::optional<size_t> fault)>;
  void set_hook(Hook hook) { hook_ = std::move(hook); }
  // The plan of node i, for the oracles.
  bool started(uint32_t i) const;
  bool left(uint32_t i) const;
  Role role(uint32_t i) const;
  const std::vector<std::string>& planned_meshes(uint32_t i) const;
  // The invariant checker (null when disabled).
  const Oracle* oracle() const { return oracle_.get(); }
  // Node i's clock now (its local time; sim/clock.h).
  int64_t local_time(uint32_t i) const;

 private:
  struct SimNode;
  struct Message {
    std::vector<uint8_t> bytes;
    uint32_t from = 0;
    uint32_t copies = 0;  // deliveries still queued
  };

  void build();
  uint32_t add_node(std::vector<std::string> meshes, Role role, bool exit, bool bridge);
  Endpoint endpoint_of(uint32_t i) const;
  bool index_of(const Endpoint& e, uint32_t& i) const;
  bool index_of_key(const PublicKey& key, uint32_t& i) const;
  MeshOptions options_for(uint32_t i) const;
  // How a kStart event starts its node (the event's payload).
  static constexpr uint32_t kStartJoin = 0;
  static constexpr uint32_t kStartCreate = 1;
  static constexpr uint32_t kStartResume = 2;
  void start_node(uint32_t i, uint32_t how);
  // Formation::kImage: one image per scenario mesh, every planned member alive in epoch 1.
  void build_images(const std::vector<uint32_t>& order);
  void resume_meshes(uint32_t i);
  void join_meshes(uint32_t i);

  void deliver(const SimEvent& e);
  void fire_timer(const SimEvent& e);
  void run_fault(const SimEvent& e);
  void drain(uint32_t i);
  void arm(uint32_t i);
  // Node faults: clocks and slow nodes.
  bool defer(const SimEvent& e);
  void node_fault(const FaultAction& action);
  void rearm(uint32_t i);
  void rejoin(uint32_t i);
  // Oracle checks due up to virtual time t (the state as it stands before t's events).
  void check_until(int64_t t);
  void note_fault_end(int64_t end, bool split);

  void crash(uint32_t i);
  std::vector<uint32_t> pick_live(double fraction, uint32_t count);
  uint32_t current_leader() const;
  // Node y's exit for ::/0 (zero key: none, or y is down).
  PublicKey exit_of(uint32_t y) const;

  Scenario scenario_;
  uint64_t seed_;
  Rng rng_;  // faults and choices of the engine
  Rng net_rng_;
  Network net_;
  Metrics metrics_;
  ExitTracker exit_moves_;
  uint64_t leader_changes_ = 0;  // seen by any node after formation
  uint64_t route_changes_ = 0;
  EventQueue queue_;
  RecordPool pool_;
  std::vector<std::unique_ptr<SimNode>> nodes_;
  std::vector<Message> messages_;
  std::vector<uint32_t> free_messages_;
  std::vector<MeshImage> images_;  // per scenario mesh, until every planned node started
  size_t pending_resumes_ = 0;
  std::vector<uint32_t> spare_;  // nodes created for join faults, started in order
  size_t next_spare_ = 0;
  std::vector<uint32_t> crashed_;  // in crash order (restart picks among those still down)
  std::vector<std::pair<PublicKey, uint32_t>> key_index_;  // sorted by key
  int64_t now_ = 0;
  uint64_t events_ = 0;
  uint64_t pending_sum_ = 0;  // queue sizes summed over events, for mean_pending()
  Traffic traffic_;
  Traffic traffic_at_formed_;  // traffic is measured from the end of formation
  bool formed_ = false;
  int64_t formed_at_ = 0;
  Hook hook_;
  std::unique_ptr<Oracle> oracle_;
  int64_t next_check_ = 0;
  bool finished_ = false;
  int64_t fault_end_ = 0;  // when the last fault ended or ends (oracle.h: quiet)
  int64_t split_end_ = 0;  // the same for faults that can make live nodes remove each other
};

}  // namespace smeg::sim

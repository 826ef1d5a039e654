// A small in-memory cluster of cores for integration tests: a hand-written event loop with
// virtual time, a message queue with latency and optional loss, crashes. Not the simulator
// (sim/ comes later and is far more capable): just enough to drive 50+ nodes deterministically.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "core/node.h"

namespace smeg::testing {

class Cluster {
 public:
  struct Options {
    uint64_t seed = 1;
    Duration latency_min = std::chrono::milliseconds(5);
    Duration latency_tail = std::chrono::milliseconds(20);  // uniform extra
    double loss = 0.0;
    double duplicate = 0.0;  // chance that a message is delivered twice (at different times)
    Params params;
  };

  explicit Cluster(Options options);

  // Adds a node (not yet in any mesh); returns its index.
  size_t add_node();
  Node& node(size_t i) { return *nodes_[i]->node; }
  size_t size() const { return nodes_.size(); }
  Endpoint control(size_t i) const { return nodes_[i]->control; }
  MeshOptions options(size_t i, Role role = Role::kPeer) const;
  Rng& rng(size_t i) { return nodes_[i]->rng; }
  Time now() const { return now_; }

  void crash(size_t i) { nodes_[i]->alive = false; }
  // Replaces node i with a fresh core holding the same key pair (a restart that lost all
  // state); it is alive again and in no mesh.
  void restart_wiped(size_t i);
  // Replaces node i with a fresh core holding the same key pair that resumes every mesh of the
  // old one from its image (a restart with persisted state); it is alive again.
  void restart_kept(size_t i);
  // Messages from a node in group g to a node in another group are dropped while set.
  void partition(std::vector<int> group_of) { group_ = std::move(group_of); }
  void heal() { group_.clear(); }
  bool alive(size_t i) const { return nodes_[i]->alive; }

  // Called for every message a node hands to the network (before loss): sender, receiver.
  std::function<void(size_t from, size_t to, MessageType type)> on_send;
  // When set and it returns true for a message (after on_send), the message is lost.
  std::function<bool(size_t from, size_t to, MessageType type)> drop;

  // Runs the event loop until virtual time t.
  void run_until(Time t);
  void run_for(Duration d) { run_until(now_ + d); }

  // Events seen by node i so far.
  const std::vector<Event>& events(size_t i) const { return nodes_[i]->events; }
  uint64_t messages_delivered() const { return delivered_; }
  // Bytes and messages handed to the network, per message type (index: MessageType value).
  const std::array<uint64_t, 8>& bytes_by_type() const { return bytes_by_type_; }
  const std::array<uint64_t, 8>& messages_by_type() const { return messages_by_type_; }

 private:
  struct Member {
    std::unique_ptr<Node> node;
    Endpoint control;
    Rng rng{0};
    KeyPair keys;
    bool alive = true;
    std::vector<Event> events;
  };
  struct InFlight {
    Time at;
    uint64_t seq;
    size_t to;
    Endpoint from;
    std::vector<uint8_t> bytes;
    bool operator>(const InFlight& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };

  void drain(size_t i);
  // Re-files node i's next timeout in the timer heap (stale entries are skipped on pop).
  void arm(size_t i);
  struct Timer {
    Time at;
    size_t node;
    uint64_t generation;
    bool operator>(const Timer& o) const { return at != o.at ? at > o.at : node > o.node; }
  };
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;
  std::vector<uint64_t> timer_gen_;

  Options opt_;
  Rng net_rng_;
  RecordPool pool_;
  std::vector<std::unique_ptr<Member>> nodes_;
  std::map<Endpoint, size_t> by_endpoint_;
  std::vector<int> group_;  // empty: no partition
  std::priority_queue<InFlight, std::vector<InFlight>, std::greater<>> queue_;
  Time now_{0};
  uint64_t seq_ = 0;
  uint64_t delivered_ = 0;
  std::array<uint64_t, 8> bytes_by_type_{};
  std::array<uint64_t, 8> messages_by_type_{};
};

}  // namespace smeg::testing

// The simulator's event queue: a 4-ary min-heap of small trivially copyable events, ordered
// by (virtual time, insertion sequence). The sequence makes simultaneous events come out in the
// order they were scheduled, so a run is a function of its seed alone. No std::function and no
// allocation per event: the heap is one vector of 32-byte records.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

namespace smeg::sim {

enum class EventKind : uint8_t {
  kDeliver = 1,      // payload: index of the message in the simulator's message pool
  kTimer = 2,        // payload: the node's timer generation when armed (stale ones are skipped)
  kFault = 3,        // payload: index of the scenario fault (| kFaultEnd: the end of a timed fault)
  kStart = 4,        // the node starts (creates or joins its meshes)
  kLateDeliver = 5,  // a kDeliver a slow node takes late (same payload)
  kLateTimer = 6,    // a kTimer a slow node takes late (same payload)
  kRejoin = 7,       // the node retries the meshes whose join failed
};
inline constexpr uint32_t kFaultEnd = 0x80000000u;

struct SimEvent {
  int64_t at = 0;        // virtual time, microseconds
  uint64_t seq = 0;      // insertion order among events of equal time
  uint32_t node = 0;     // the node it happens to
  uint32_t payload = 0;  // see EventKind
  EventKind kind = EventKind::kDeliver;
};
static_assert(std::is_trivially_copyable_v<SimEvent>);
static_assert(sizeof(SimEvent) == 32);

class EventQueue {
 public:
  void push(int64_t at, EventKind kind, uint32_t node, uint32_t payload);
  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }
  // The earliest event; the queue must not be empty.
  const SimEvent& top() const { return heap_.front(); }
  SimEvent pop();
  void reserve(size_t n) { heap_.reserve(n); }

 private:
  std::vector<SimEvent> heap_;
  uint64_t seq_ = 0;
};

}  // namespace smeg::sim

#include "sim/event_queue.h"

#include <algorithm>

namespace smeg::sim {

namespace {
// std::*_heap keeps the largest element on top: "larger" here means earlier.
bool later(const SimEvent& a, const SimEvent& b) {
  return a.at != b.at ? a.at > b.at : a.seq > b.seq;
}
}  // namespace

void EventQueue::push(int64_t at, EventKind kind, uint32_t node, uint32_t payload) {
  heap_.push_back(SimEvent{at, seq_++, node, payload, kind});
  std::push_heap(heap_.begin(), heap_.end(), later);
}

SimEvent EventQueue::pop() {
  std::pop_heap(heap_.begin(), heap_.end(), later);
  const SimEvent e = heap_.back();
  heap_.pop_back();
  return e;
}

}  // namespace smeg::sim

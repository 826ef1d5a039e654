#include "sim/event_queue.h"

namespace smeg::sim {

namespace {
// A 4-ary min-heap: half the depth of a binary one, and a node's children share a cache line
// or two, which matters when thousands of events are pending. (at, seq) is unique, so the
// order events come out in is fully determined, whatever the heap's shape.
constexpr size_t kArity = 4;

bool earlier(const SimEvent& a, const SimEvent& b) {
  return a.at != b.at ? a.at < b.at : a.seq < b.seq;
}
}  // namespace

void EventQueue::push(int64_t at, EventKind kind, uint32_t node, uint32_t payload) {
  const SimEvent e{at, seq_++, node, payload, kind};
  size_t i = heap_.size();
  heap_.push_back(e);
  while (i > 0) {
    const size_t parent = (i - 1) / kArity;
    if (!earlier(e, heap_[parent])) break;
    heap_[i] = heap_[parent];
    i = parent;
  }
  heap_[i] = e;
}

SimEvent EventQueue::pop() {
  const SimEvent top = heap_.front();
  const SimEvent last = heap_.back();
  heap_.pop_back();
  const size_t n = heap_.size();
  if (n == 0) return top;
  size_t i = 0;
  while (true) {
    const size_t first = i * kArity + 1;
    if (first >= n) break;
    size_t best = first;
    const size_t end = first + kArity < n ? first + kArity : n;
    for (size_t c = first + 1; c < end; ++c) {
      if (earlier(heap_[c], heap_[best])) best = c;
    }
    if (!earlier(heap_[best], last)) break;
    heap_[i] = heap_[best];
    i = best;
  }
  heap_[i] = last;
  return top;
}

}  // namespace smeg::sim

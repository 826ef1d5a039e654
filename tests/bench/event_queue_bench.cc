// The bare event heap, so that the simulator's protocol event rate can be reported as a ratio
// of what the heap alone sustains (issue 3 asks for both in one run; smegsim will measure this
// in-process too).
#include <benchmark/benchmark.h>

#include "core/rng.h"
#include "sim/event_queue.h"

namespace smeg::sim {
namespace {

// A steady state of `pending` events: pop the earliest, push one a random delay later.
void BM_EventQueue_HoldModel(benchmark::State& st) {
  const size_t pending = static_cast<size_t>(st.range(0));
  Rng rng(5);
  EventQueue q;
  q.reserve(pending + 1);
  for (size_t i = 0; i < pending; ++i) {
    q.push(static_cast<int64_t>(rng.uniform(100000)), EventKind::kDeliver, static_cast<uint32_t>(i),
           0);
  }
  for (auto _ : st) {
    const SimEvent e = q.pop();
    q.push(e.at + 20000 + static_cast<int64_t>(rng.uniform(60000)), EventKind::kDeliver, e.node,
           e.payload);
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_EventQueue_HoldModel)->Arg(1000)->Arg(12000)->Arg(40000);

}  // namespace
}  // namespace smeg::sim

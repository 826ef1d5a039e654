// The bare event heap, so that the simulator's protocol event rate can be reported as a ratio
// of what the heap alone sustains (smegsim also times the same model in-process after a run).
#include <benchmark/benchmark.h>

#include "sim/bare_heap.h"

namespace smeg::sim {
namespace {

// A steady state of `pending` events: pop the earliest, push one a random delay later.
void BM_EventQueue_HoldModel(benchmark::State& st) {
  HoldModel model(static_cast<size_t>(st.range(0)));
  for (auto _ : st) benchmark::DoNotOptimize(model.step());
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_EventQueue_HoldModel)->Arg(1000)->Arg(12000)->Arg(40000);

}  // namespace
}  // namespace smeg::sim

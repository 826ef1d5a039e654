// The CPU side of applying a configuration, without a kernel: diff() and MeshInterface over
// the memory backend on a 3000-peer device. What the netlink and uapi timings spend outside
// the kernel and wireguard-go (netlink_bench.cc, uapi_bench.cc).
//   build/bin/apply_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only
#include <benchmark/benchmark.h>

#include <algorithm>

#include "backends/backend.h"
#include "backends/memory.h"
#include "core/rng.h"

namespace smeg::backends {
namespace {

constexpr size_t kPeers = 3000;

const DesiredDevice& mesh_device() {
  static const DesiredDevice d = [] {
    Rng rng(3000);
    auto key = [&] {
      std::array<uint8_t, 32> r;
      for (auto& x : r) x = static_cast<uint8_t>(rng.next_u64());
      return PrivateKey::from_random(r);
    };
    DesiredDevice x;
    x.private_key = key();
    x.listen_port = 51820;
    x.address = Prefix{*IpAddr::parse("fd5e:be::1"), 64};
    for (size_t i = 0; i < kPeers; ++i) {
      DesiredPeer p;
      p.public_key = key().public_key();
      p.endpoint = Endpoint{
          IpAddr::v4(198, 18, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)), 51820};
      p.persistent_keepalive = 25;
      std::array<uint8_t, 16> a{0xfd, 0x5e, 0x00, 0xbe};
      a[14] = static_cast<uint8_t>(i >> 8), a[15] = static_cast<uint8_t>(i);
      p.allowed_ips.push_back(Prefix::host(IpAddr::v6(a)));
      x.peers.push_back(std::move(p));
    }
    std::sort(x.peers.begin(), x.peers.end(), [](const DesiredPeer& a, const DesiredPeer& b) {
      return a.public_key < b.public_key;
    });
    return x;
  }();
  return d;
}

void BM_DiffUnchanged3000(benchmark::State& state) {
  MemoryBackend b;
  (void)b.create_interface("smeg0");
  (void)apply(b, "smeg0", mesh_device(), {}, {});
  const DeviceState device = *b.get_device("smeg0");
  for (auto _ : state) {
    DeviceChange c = diff(device, mesh_device(), {});
    benchmark::DoNotOptimize(c);
  }
}
BENCHMARK(BM_DiffUnchanged3000)->Unit(benchmark::kMicrosecond);

void BM_MeshInterfaceOnePeerChange3000(benchmark::State& state) {
  MemoryBackend b;
  (void)b.create_interface("smeg0");
  MeshInterface iface(b, "smeg0");
  DesiredDevice d = mesh_device();
  (void)iface.apply(d);
  for (auto _ : state) {
    d.peers[1234].endpoint->port ^= 1;
    auto r = iface.apply(d);
    if (!r || r->change.peers.size() != 1) state.SkipWithError("not a one-peer change");
  }
}
BENCHMARK(BM_MeshInterfaceOnePeerChange3000)->Unit(benchmark::kMicrosecond);

void BM_AppliedFullSet3000(benchmark::State& state) {
  const DeviceChange change = diff(DeviceState{}, mesh_device(), {});
  for (auto _ : state) {
    DeviceState s;
    apply_in_place(s, change);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_AppliedFullSet3000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace smeg::backends

BENCHMARK_MAIN();

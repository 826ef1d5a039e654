// Timing of UapiBackend against real wireguard-go (needs root; run by hand, not by CTest):
// applying a 3000-peer device through the backend versus `wg setconf` of the same
// configuration, and a change of one peer of the 3000 both ways. Each is repeated and the
// median reported:
//   build/bin/uapi_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// (add --benchmark_enable_random_interleaving=true to interleave the repetitions of ours and
// wg's, so that drift in the machine's load hits both alike).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <fstream>

#include "backends/netns_testbed.h"
#include "backends/uapi.h"
#include "core/rng.h"

namespace smeg::backends {
namespace {

constexpr size_t kPeers = 3000;

struct Bench {
  std::unique_ptr<NetnsTestbed> bed;
  UapiBackend backend;
  std::string ifname;
  DesiredDevice desired;
  std::string conf_path;
};
Bench* bench = nullptr;

IpAddr overlay(uint32_t i) {
  std::array<uint8_t, 16> b{};
  b[0] = 0xfd;
  b[1] = 0x77;
  b[13] = static_cast<uint8_t>(i >> 16);
  b[14] = static_cast<uint8_t>(i >> 8);
  b[15] = static_cast<uint8_t>(i);
  return IpAddr::v6(b);
}

DesiredDevice make_desired(size_t peers) {
  Rng rng(3000);
  auto key = [&] {
    std::array<uint8_t, 32> r;
    for (auto& x : r) x = static_cast<uint8_t>(rng.next_u64());
    return PrivateKey::from_random(r);
  };
  DesiredDevice d;
  d.private_key = key();
  d.listen_port = 51820;
  d.address = Prefix{overlay(1), 64};
  for (size_t i = 0; i < peers; ++i) {
    DesiredPeer p;
    p.public_key = key().public_key();
    p.endpoint = Endpoint{overlay(static_cast<uint32_t>(i + 2)), 51820};
    p.persistent_keepalive = 25;
    p.allowed_ips = {Prefix::host(overlay(static_cast<uint32_t>(0x10000 + i)))};
    d.peers.push_back(std::move(p));
  }
  std::sort(d.peers.begin(), d.peers.end(),
            [](const DesiredPeer& a, const DesiredPeer& b) { return a.public_key < b.public_key; });
  return d;
}

// The same configuration in wg(8)'s format, for `wg setconf`.
std::string wg_conf(const DesiredDevice& d) {
  std::string s = "[Interface]\nPrivateKey = " + d.private_key.to_base64() +
                  "\nListenPort = " + std::to_string(*d.listen_port) + "\n";
  for (const DesiredPeer& p : d.peers) {
    s += "\n[Peer]\nPublicKey = " + p.public_key.to_base64() +
         "\nEndpoint = " + p.endpoint->to_string() +
         "\nPersistentKeepalive = " + std::to_string(*p.persistent_keepalive) +
         "\nAllowedIPs = " + p.allowed_ips[0].to_string() + "\n";
  }
  return s;
}

void clear_peers(benchmark::State& state) {
  DeviceChange clear;
  clear.replace_peers = true;
  if (Status s = bench->backend.set_device(bench->ifname, clear); !s) {
    state.SkipWithError(s.to_string().c_str());
  }
}

void BM_UapiApply3000Peers(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    clear_peers(state);
    state.ResumeTiming();
    auto r = apply(bench->backend, bench->ifname, bench->desired, {}, ApplyOptions{});
    if (!r) state.SkipWithError(r.status().to_string().c_str());
  }
}
BENCHMARK(BM_UapiApply3000Peers)->Unit(benchmark::kMillisecond)->Iterations(5);

// The WireGuard part alone (read, diff, set): what `wg setconf` does, without the link steps.
void BM_UapiApplyDevice3000Peers(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    clear_peers(state);
    state.ResumeTiming();
    auto device = bench->backend.get_device(bench->ifname);
    ApplyReport report;
    Status s = device ? apply_device(bench->backend, bench->ifname, *device, bench->desired, report)
                      : device.status();
    if (!s) state.SkipWithError(s.to_string().c_str());
  }
}
BENCHMARK(BM_UapiApplyDevice3000Peers)->Unit(benchmark::kMillisecond)->Iterations(5);

void BM_WgSetconf3000Peers(benchmark::State& state) {
  const std::string cmd = "wg setconf " + bench->ifname + " " + bench->conf_path;
  for (auto _ : state) {
    state.PauseTiming();
    clear_peers(state);
    state.ResumeTiming();
    if (CommandResult r = run_command(cmd); r.status != 0) state.SkipWithError(r.output.c_str());
  }
}
BENCHMARK(BM_WgSetconf3000Peers)->Unit(benchmark::kMillisecond)->Iterations(5);

// The device holds all 3000 peers; one peer's endpoint flips between two values.
void ensure_full(benchmark::State& state) {
  auto r = apply(bench->backend, bench->ifname, bench->desired, {}, ApplyOptions{});
  if (!r) state.SkipWithError(r.status().to_string().c_str());
}

Endpoint flipped(size_t i) {
  return Endpoint{overlay(0xffff), static_cast<uint16_t>(1000 + i % 2)};
}

// apply() of a one-peer change: reads the whole device (3000 peers) and sends one peer.
void BM_UapiApplyOnePeerChange(benchmark::State& state) {
  ensure_full(state);
  DesiredDevice d = bench->desired;
  size_t i = 0;
  for (auto _ : state) {
    d.peers[1500].endpoint = flipped(i++);
    auto r = apply(bench->backend, bench->ifname, d, {}, ApplyOptions{});
    if (!r || r->change.peers.size() != 1) state.SkipWithError("not a one-peer change");
  }
}
BENCHMARK(BM_UapiApplyOnePeerChange)->Unit(benchmark::kMillisecond)->Iterations(20);

// What the daemon does for a one-peer change: MeshInterface diffs against the device it last
// left (no read) and sends one peer.
void BM_UapiMeshInterfaceOnePeerChange(benchmark::State& state) {
  ensure_full(state);
  MeshInterface iface(bench->backend, bench->ifname);
  DesiredDevice d = bench->desired;
  if (auto r = iface.apply(d); !r) state.SkipWithError(r.status().to_string().c_str());
  const uint64_t reads = bench->backend.stats().device_reads;
  size_t i = 0;
  for (auto _ : state) {
    d.peers[1500].endpoint = flipped(i++);
    auto r = iface.apply(d);
    if (!r || r->change.peers.size() != 1) state.SkipWithError("not a one-peer change");
  }
  state.counters["device_reads"] = static_cast<double>(bench->backend.stats().device_reads - reads);
}
BENCHMARK(BM_UapiMeshInterfaceOnePeerChange)->Unit(benchmark::kMillisecond)->Iterations(20);

// The set alone, without the read apply() does first.
void BM_UapiSetOnePeer(benchmark::State& state) {
  ensure_full(state);
  PeerChange c;
  c.public_key = bench->desired.peers[1500].public_key;
  DeviceChange change;
  size_t i = 0;
  for (auto _ : state) {
    c.endpoint = flipped(i++);
    change.peers = {c};
    if (Status s = bench->backend.set_device(bench->ifname, change); !s) {
      state.SkipWithError(s.to_string().c_str());
    }
  }
}
BENCHMARK(BM_UapiSetOnePeer)->Unit(benchmark::kMillisecond)->Iterations(20);

void BM_WgSetOnePeer(benchmark::State& state) {
  ensure_full(state);
  const std::string key = bench->desired.peers[1500].public_key.to_base64();
  size_t i = 0;
  for (auto _ : state) {
    const std::string cmd =
        "wg set " + bench->ifname + " peer " + key + " endpoint " + flipped(i++).to_string();
    if (CommandResult r = run_command(cmd); r.status != 0) state.SkipWithError(r.output.c_str());
  }
}
BENCHMARK(BM_WgSetOnePeer)->Unit(benchmark::kMillisecond)->Iterations(20);

void BM_UapiGet3000Peers(benchmark::State& state) {
  ensure_full(state);
  for (auto _ : state) {
    auto d = bench->backend.get_device(bench->ifname);
    if (!d || d->peers.size() != kPeers) state.SkipWithError("get failed");
  }
}
BENCHMARK(BM_UapiGet3000Peers)->Unit(benchmark::kMillisecond)->Iterations(20);

}  // namespace
}  // namespace smeg::backends

int main(int argc, char** argv) {
  using namespace smeg::backends;
  benchmark::Initialize(&argc, argv);
  if (std::string why = NetnsTestbed::unavailable_reason(); !why.empty()) {
    std::fprintf(stderr, "uapi_bench: cannot run: %s\n", why.c_str());
    return 2;
  }
  auto bed = NetnsTestbed::create();
  if (!bed) {
    std::fprintf(stderr, "uapi_bench: %s\n", bed.status().to_string().c_str());
    return 1;
  }
  Bench b;
  b.bed = std::move(*bed);
  b.ifname = b.bed->ifname(0);
  b.desired = make_desired(kPeers);
  b.conf_path = "/tmp/" + b.ifname + ".conf";
  std::ofstream(b.conf_path) << wg_conf(b.desired);
  bench = &b;
  int rc = 0;
  {
    // The whole run happens in host 0's namespace (see netns_testbed.h).
    InNetns in(*b.bed, 0);
    if (smeg::Status s = b.backend.create_interface(b.ifname); !in.error().empty() || !s) {
      std::fprintf(stderr, "uapi_bench: %s%s\n", in.error().c_str(), s.to_string().c_str());
      rc = 1;
    } else {
      benchmark::RunSpecifiedBenchmarks();
    }
  }
  std::remove(b.conf_path.c_str());
  benchmark::Shutdown();
  return rc;
}

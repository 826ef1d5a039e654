// Timings of NetlinkBackend against a real kernel WireGuard, with wireguard-tools as the
// yardstick, on a 3000-peer device:
//   - from scratch: our WireGuard apply (read + diff + set) vs `wg setconf` of the same
//     configuration; and our whole apply (plus MTU, address, up) vs `wg setconf` followed by
//     the same three `ip` commands;
//   - a one-peer change: MeshInterface (what the daemon does: diff against the device it last
//     left, send one peer), apply() (reads all 3000 peers back first), and `wg set`;
//   - a read of the device.
// Needs root and the wireguard module: run it in the test VM. Never a CTest test:
//   tests/vm/run-in-vm --timeout 900 --bin build/bin/netlink_bench --
//       /bin/netlink_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only
//
// Removing peers is slow in the kernel (6.1 waits for an RCU grace period per peer: deleting a
// 3000-peer interface took 37 s in the VM), so nothing is deleted inside the run: it happens
// in a network namespace of its own, with a fresh interface per from-scratch iteration, and
// the kernel tears them down in the background when the namespace goes.
#include <benchmark/benchmark.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "backends/netlink.h"

namespace smeg::backends {
namespace {

constexpr uint32_t kPeers = 3000;
// Interfaces are smegb0, smegb1, ...: one fresh interface per from-scratch iteration.
int next_iface = 0;
const char* const kConfFile = "/tmp/smegbench.conf";

PrivateKey key_from_seed(uint32_t seed) {
  std::array<uint8_t, 32> r{};
  // Bytes 1..4: clamping (PrivateKey::from_random) clears the low bits of byte 0.
  for (int i = 0; i < 4; ++i) r[i + 1] = static_cast<uint8_t>(seed >> (8 * i));
  r[31] = 0x42;
  return PrivateKey::from_random(r);
}

// What a mesh peer of 3000 nodes wants: every peer with an endpoint, a /128 and keepalive.
const DesiredDevice& mesh_device() {
  static const DesiredDevice d = [] {
    DesiredDevice x;
    x.mesh_id = "bench";
    x.private_key = key_from_seed(1);
    x.listen_port = 51900;
    x.address = Prefix{*IpAddr::parse("fd5e:be::1"), 64};
    for (uint32_t i = 1; i <= kPeers; ++i) {
      DesiredPeer p;
      p.public_key = key_from_seed(1000 + i).public_key();
      const auto hi = static_cast<uint8_t>(i >> 8), lo = static_cast<uint8_t>(i);
      p.endpoint = Endpoint{IpAddr::v4(198, 18, hi, lo), 51820};
      p.persistent_keepalive = 25;
      std::array<uint8_t, 16> a{0xfd, 0x5e, 0x00, 0xbe};
      a[14] = hi, a[15] = lo;
      p.allowed_ips.push_back(Prefix::host(IpAddr::v6(a)));
      x.peers.push_back(p);
    }
    std::sort(x.peers.begin(), x.peers.end(), [](const DesiredPeer& a, const DesiredPeer& b) {
      return a.public_key < b.public_key;
    });
    return x;
  }();
  return d;
}

// The same configuration in wg(8)'s setconf format.
void write_wg_conf(const DesiredDevice& d) {
  std::ofstream f(kConfFile);
  f << "[Interface]\nPrivateKey = " << d.private_key.to_base64()
    << "\nListenPort = " << *d.listen_port << "\n";
  for (const DesiredPeer& p : d.peers) {
    f << "\n[Peer]\nPublicKey = " << p.public_key.to_base64()
      << "\nEndpoint = " << p.endpoint->to_string()
      << "\nPersistentKeepalive = " << *p.persistent_keepalive << "\nAllowedIPs = ";
    for (size_t i = 0; i < p.allowed_ips.size(); ++i) {
      f << (i ? ", " : "") << p.allowed_ips[i].to_string();
    }
    f << "\n";
  }
}

// The backend, or a reason to skip.
std::unique_ptr<NetlinkBackend> open_or_skip(benchmark::State& state) {
  if (geteuid() != 0) {
    state.SkipWithError("needs root (CAP_NET_ADMIN): run in the test VM");
    return nullptr;
  }
  auto b = NetlinkBackend::open();
  if (!b) {
    state.SkipWithError(b.status().message().c_str());
    return nullptr;
  }
  return std::move(*b);
}

// A new, empty WireGuard interface (never one that held peers: see the top).
std::string fresh_interface(NetlinkBackend& b, benchmark::State& state) {
  std::string name = "smegb" + std::to_string(next_iface++);
  if (Status s = b.create_interface(name); !s) {
    state.SkipWithError(s.message().c_str());
    return "";
  }
  return name;
}

bool have_wg() { return std::system("command -v wg >/dev/null 2>&1") == 0; }

bool run(benchmark::State& state, const std::string& cmd) {
  if (std::system(cmd.c_str()) == 0) return true;
  state.SkipWithError(("failed: " + cmd).c_str());
  return false;
}

// Ours, WireGuard part only: what `wg setconf` does too.
void BM_NetlinkApplyDevice3000(benchmark::State& state) {
  auto b = open_or_skip(state);
  if (!b) return;
  BackendStats sent;
  for (auto _ : state) {
    state.PauseTiming();
    const std::string ifname = fresh_interface(*b, state);
    if (ifname.empty()) break;
    const BackendStats before = b->stats();
    state.ResumeTiming();
    auto device = b->get_device(ifname);
    ApplyReport report;
    Status s = device ? apply_device(*b, ifname, *device, mesh_device(), report) : device.status();
    if (!s) {
      state.SkipWithError(s.message().c_str());
      break;
    }
    sent.set_messages = b->stats().set_messages - before.set_messages;
    sent.set_bytes = b->stats().set_bytes - before.set_bytes;
  }
  state.counters["messages"] = static_cast<double>(sent.set_messages);
  state.counters["bytes"] = static_cast<double>(sent.set_bytes);
}
BENCHMARK(BM_NetlinkApplyDevice3000)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

void BM_WgSetconf3000(benchmark::State& state) {
  auto b = open_or_skip(state);
  if (!b) return;
  if (!have_wg()) {
    state.SkipWithError("wg (wireguard-tools) is not installed");
    return;
  }
  write_wg_conf(mesh_device());
  for (auto _ : state) {
    state.PauseTiming();
    const std::string ifname = fresh_interface(*b, state);
    if (ifname.empty()) break;
    state.ResumeTiming();
    if (!run(state, "wg setconf " + ifname + " " + kConfFile)) break;
  }
}
BENCHMARK(BM_WgSetconf3000)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

// Ours, whole: WireGuard, MTU, address, up.
void BM_NetlinkApply3000(benchmark::State& state) {
  auto b = open_or_skip(state);
  if (!b) return;
  for (auto _ : state) {
    state.PauseTiming();
    const std::string ifname = fresh_interface(*b, state);
    if (ifname.empty()) break;
    state.ResumeTiming();
    auto r = apply(*b, ifname, mesh_device(), {}, ApplyOptions{});
    if (!r) {
      state.SkipWithError(r.status().message().c_str());
      break;
    }
    state.PauseTiming();
    (void)b->set_up(ifname, false);  // frees the listen port for the next one
    state.ResumeTiming();
  }
}
BENCHMARK(BM_NetlinkApply3000)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

// The same four steps with the tools.
void BM_WgSetconfAndIp3000(benchmark::State& state) {
  auto b = open_or_skip(state);
  if (!b) return;
  if (!have_wg()) {
    state.SkipWithError("wg (wireguard-tools) is not installed");
    return;
  }
  write_wg_conf(mesh_device());
  const std::string address = mesh_device().address.to_string();
  for (auto _ : state) {
    state.PauseTiming();
    const std::string ifname = fresh_interface(*b, state);
    if (ifname.empty()) break;
    state.ResumeTiming();
    if (!run(state, "wg setconf " + ifname + " " + kConfFile + " && ip link set " + ifname +
                        " mtu 1420 && ip address add " + address + " dev " + ifname +
                        " && ip link set " + ifname + " up")) {
      break;
    }
    state.PauseTiming();
    (void)b->set_up(ifname, false);
    state.ResumeTiming();
  }
}
BENCHMARK(BM_WgSetconfAndIp3000)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

// One interface with all 3000 peers, shared by the benchmarks below.
std::string full_interface(NetlinkBackend& b, benchmark::State& state) {
  static std::string name;
  if (!name.empty()) return name;
  std::string ifname = fresh_interface(b, state);
  if (ifname.empty()) return "";
  if (auto r = apply(b, ifname, mesh_device(), {}, ApplyOptions{}); !r) {
    state.SkipWithError(r.status().message().c_str());
    return "";
  }
  return name = ifname;
}

void BM_NetlinkGetDevice3000(benchmark::State& state) {
  auto b = open_or_skip(state);
  if (!b) return;
  const std::string ifname = full_interface(*b, state);
  if (ifname.empty()) return;
  for (auto _ : state) {
    auto d = b->get_device(ifname);
    if (!d || d->peers.size() != kPeers) {
      state.SkipWithError("get_device did not return the 3000 peers");
      break;
    }
  }
}
BENCHMARK(BM_NetlinkGetDevice3000)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);

// One peer's endpoint alternates between two ports: every iteration is a real one-peer change.
// What the daemon does: MeshInterface diffs against the device it last left and sends one peer.
void BM_NetlinkMeshInterfaceOnePeerChange3000(benchmark::State& state) {
  auto b = open_or_skip(state);
  if (!b) return;
  const std::string ifname = full_interface(*b, state);
  if (ifname.empty()) return;
  DesiredDevice d = mesh_device();
  MeshInterface iface(*b, ifname);
  if (auto r = iface.apply(d); !r) {
    state.SkipWithError(r.status().message().c_str());
    return;
  }
  const BackendStats before = b->stats();
  for (auto _ : state) {
    d.peers[1234].endpoint->port ^= 1;
    auto r = iface.apply(d);
    if (!r || r->change.peers.size() != 1) {
      state.SkipWithError(r ? "not a one-peer change" : r.status().message().c_str());
      break;
    }
  }
  state.counters["peers_sent"] = static_cast<double>(b->stats().peers_sent - before.peers_sent);
  state.counters["device_reads"] =
      static_cast<double>(b->stats().device_reads - before.device_reads);
}
BENCHMARK(BM_NetlinkMeshInterfaceOnePeerChange3000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(20);

// The stateless apply(): reads all 3000 peers back before sending the one.
void BM_NetlinkApplyOnePeerChange3000(benchmark::State& state) {
  auto b = open_or_skip(state);
  if (!b) return;
  const std::string ifname = full_interface(*b, state);
  if (ifname.empty()) return;
  DesiredDevice d = mesh_device();
  for (auto _ : state) {
    d.peers[1234].endpoint->port ^= 1;
    auto r = apply(*b, ifname, d, {}, ApplyOptions{});
    if (!r || r->change.peers.size() > 1) {
      state.SkipWithError(r ? "more than one peer sent" : r.status().message().c_str());
      break;
    }
  }
}
BENCHMARK(BM_NetlinkApplyOnePeerChange3000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(10);

void BM_WgSetOnePeer3000(benchmark::State& state) {
  auto b = open_or_skip(state);
  if (!b) return;
  if (!have_wg()) {
    state.SkipWithError("wg (wireguard-tools) is not installed");
    return;
  }
  const std::string ifname = full_interface(*b, state);
  if (ifname.empty()) return;
  DesiredPeer p = mesh_device().peers[1234];
  for (auto _ : state) {
    p.endpoint->port ^= 1;
    if (!run(state, "wg set " + ifname + " peer " + p.public_key.to_base64() + " endpoint " +
                        p.endpoint->to_string())) {
      break;
    }
  }
}
BENCHMARK(BM_WgSetOnePeer3000)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(10);

}  // namespace
}  // namespace smeg::backends

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  // A namespace of our own: every interface made here goes with it when we exit.
  if (geteuid() == 0 && unshare(CLONE_NEWNET) != 0) {
    std::perror("netlink_bench: unshare(CLONE_NEWNET)");
    return 1;
  }
  (void)smeg::backends::mesh_device();  // 3000 key derivations: not part of any timing
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::remove(smeg::backends::kConfFile);
  return 0;
}

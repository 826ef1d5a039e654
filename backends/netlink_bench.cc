// Timings of NetlinkBackend against a real kernel WireGuard, with wireguard-tools as the
// yardstick: a 3000-peer device applied from scratch (ours vs `wg setconf` of the same
// configuration), a read of it, and a one-peer change (ours: read + diff + one-peer set; wg:
// `wg set IFACE peer ...`). Needs root and the wireguard module: run it in the test VM.
// Never a CTest test.
//
// Run: ./build/bin/netlink_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "backends/netlink.h"

namespace smeg::backends {
namespace {

constexpr uint32_t kPeers = 3000;
const char* const kIface = "smegbench0";
const char* const kConfFile = "/tmp/smegbench0.conf";

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

bool fresh_interface(NetlinkBackend& b, benchmark::State& state) {
  (void)b.delete_interface(kIface);
  if (Status s = b.create_interface(kIface); !s) {
    state.SkipWithError(s.message().c_str());
    return false;
  }
  return true;
}

bool have_wg() { return std::system("command -v wg >/dev/null 2>&1") == 0; }

void BM_NetlinkApply3000(benchmark::State& state) {
  auto b = open_or_skip(state);
  if (!b) return;
  BackendStats sent;
  for (auto _ : state) {
    state.PauseTiming();
    if (!fresh_interface(*b, state)) break;
    const BackendStats before = b->stats();
    state.ResumeTiming();
    auto r = apply(*b, kIface, mesh_device(), {}, ApplyOptions{});
    if (!r) {
      state.SkipWithError(r.status().message().c_str());
      break;
    }
    sent.set_messages = b->stats().set_messages - before.set_messages;
    sent.set_bytes = b->stats().set_bytes - before.set_bytes;
  }
  state.counters["messages"] = static_cast<double>(sent.set_messages);
  state.counters["bytes"] = static_cast<double>(sent.set_bytes);
  (void)b->delete_interface(kIface);
}
BENCHMARK(BM_NetlinkApply3000)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);

void BM_WgSetconf3000(benchmark::State& state) {
  auto b = open_or_skip(state);
  if (!b) return;
  if (!have_wg()) {
    state.SkipWithError("wg (wireguard-tools) is not installed");
    return;
  }
  write_wg_conf(mesh_device());
  const std::string cmd = std::string("wg setconf ") + kIface + " " + kConfFile;
  for (auto _ : state) {
    state.PauseTiming();
    if (!fresh_interface(*b, state)) break;
    state.ResumeTiming();
    if (std::system(cmd.c_str()) != 0) {
      state.SkipWithError("wg setconf failed");
      break;
    }
  }
  (void)b->delete_interface(kIface);
}
BENCHMARK(BM_WgSetconf3000)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);

void BM_NetlinkGetDevice3000(benchmark::State& state) {
  auto b = open_or_skip(state);
  if (!b || !fresh_interface(*b, state)) return;
  if (auto r = apply(*b, kIface, mesh_device(), {}, ApplyOptions{}); !r) {
    state.SkipWithError(r.status().message().c_str());
    return;
  }
  for (auto _ : state) {
    auto d = b->get_device(kIface);
    if (!d || d->peers.size() != kPeers) {
      state.SkipWithError("get_device did not return the 3000 peers");
      break;
    }
  }
  (void)b->delete_interface(kIface);
}
BENCHMARK(BM_NetlinkGetDevice3000)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);

// One peer's endpoint alternates between two ports: every iteration is a real one-peer change.
void BM_NetlinkOnePeerChange3000(benchmark::State& state) {
  auto b = open_or_skip(state);
  if (!b || !fresh_interface(*b, state)) return;
  DesiredDevice d = mesh_device();
  if (auto r = apply(*b, kIface, d, {}, ApplyOptions{}); !r) {
    state.SkipWithError(r.status().message().c_str());
    return;
  }
  uint64_t peers_sent = 0;
  for (auto _ : state) {
    d.peers[1234].endpoint->port ^= 1;
    const uint64_t before = b->stats().peers_sent;
    auto r = apply(*b, kIface, d, {}, ApplyOptions{});
    if (!r) {
      state.SkipWithError(r.status().message().c_str());
      break;
    }
    peers_sent = b->stats().peers_sent - before;
  }
  state.counters["peers_sent"] = static_cast<double>(peers_sent);
  (void)b->delete_interface(kIface);
}
BENCHMARK(BM_NetlinkOnePeerChange3000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(10);

void BM_WgSetOnePeer3000(benchmark::State& state) {
  auto b = open_or_skip(state);
  if (!b || !fresh_interface(*b, state)) return;
  if (!have_wg()) {
    state.SkipWithError("wg (wireguard-tools) is not installed");
    return;
  }
  DesiredDevice d = mesh_device();
  if (auto r = apply(*b, kIface, d, {}, ApplyOptions{}); !r) {
    state.SkipWithError(r.status().message().c_str());
    return;
  }
  DesiredPeer& p = d.peers[1234];
  for (auto _ : state) {
    p.endpoint->port ^= 1;
    const std::string cmd = std::string("wg set ") + kIface + " peer " + p.public_key.to_base64() +
                            " endpoint " + p.endpoint->to_string();
    if (std::system(cmd.c_str()) != 0) {
      state.SkipWithError("wg set failed");
      break;
    }
  }
  (void)b->delete_interface(kIface);
}
BENCHMARK(BM_WgSetOnePeer3000)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(10);

}  // namespace
}  // namespace smeg::backends

BENCHMARK_MAIN();

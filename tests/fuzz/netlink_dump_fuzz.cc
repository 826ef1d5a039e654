// libFuzzer harness for the kernel WireGuard dump parser (backends/netlink_wire.h): any byte
// stream must parse or fail cleanly with a message (the sanitizers catch crashes, over-reads
// and leaks). Whatever parses must keep the model's invariants (peers sorted by key and unique,
// allowed IPs sorted and canonical), and must survive a round trip through the set builder:
// the set messages that would configure the device, read back as a dump, give the same peers.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "backends/netlink_wire.h"

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "netlink_dump_fuzz: %s\n", what);
  std::abort();
}

// The configuration of a peer: what a set carries.
bool same_config(const smeg::backends::PeerState& a, const smeg::backends::PeerState& b) {
  return a.public_key == b.public_key && a.endpoint == b.endpoint &&
         a.persistent_keepalive == b.persistent_keepalive && a.allowed_ips == b.allowed_ips;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace smeg::backends;
  auto parsed = parse_device_dump(std::span<const uint8_t>(data, size));
  if (!parsed.is_ok()) {
    if (parsed.status().message().empty()) fail("parse failed without a message");
    return 0;
  }
  const DeviceState& d = *parsed;
  for (size_t i = 0; i < d.peers.size(); ++i) {
    if (i > 0 && !(d.peers[i - 1].public_key < d.peers[i].public_key)) {
      fail("peers not sorted and unique");
    }
    const auto& ips = d.peers[i].allowed_ips;
    for (size_t j = 0; j < ips.size(); ++j) {
      if (j > 0 && !(ips[j - 1] < ips[j])) fail("allowed IPs not sorted and unique");
      auto canonical = smeg::Prefix::make(ips[j].addr, ips[j].len);
      if (!canonical.is_ok() || *canonical != ips[j]) fail("allowed IP not canonical");
    }
  }
  if (d.name.empty() || d.name.size() > 4000) return 0;  // not a name a set could carry
  DeviceChange c = full_set(d);
  c.private_key.reset();  // the round trip below is about peers
  c.listen_port.reset();
  auto built = build_set_messages(0x20, d.name, c, 8192);
  if (!built.is_ok()) fail(built.status().message().c_str());
  DeviceDumpParser again;
  for (auto& m : built->messages) {
    m[16] = 0;  // WG_CMD_SET_DEVICE -> WG_CMD_GET_DEVICE: the attribute trees are the same
    if (!again.add(m)) fail("a built set message does not parse");
  }
  auto back = again.finish();
  if (!back.is_ok() || back->peers.size() != d.peers.size()) fail("round trip lost peers");
  for (size_t i = 0; i < d.peers.size(); ++i) {
    if (!same_config(back->peers[i], d.peers[i])) fail("round trip changed a peer");
  }
  return 0;
}

// libFuzzer harness for the UAPI text parser (backends/uapi_text.h): any input must parse or
// fail cleanly with a message, and whatever parses must survive a round trip: the set request
// that would configure the parsed device, read back as a reply, gives the same configuration
// (counters and handshake times aside, which a set cannot carry).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "backends/uapi_text.h"

namespace {

using smeg::backends::DeviceChange;
using smeg::backends::DeviceState;
using smeg::backends::PeerChange;

// The configuration part of a device: what a set can express.
DeviceState configuration(DeviceState d) {
  d.name.clear();
  for (auto& p : d.peers) {
    p.has_preshared_key = false;
    p.last_handshake_unix_ns = 0;
    p.rx_bytes = p.tx_bytes = 0;
    p.protocol_version = 0;
  }
  return d;
}

void fail(const char* what) {
  std::fprintf(stderr, "%s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto set = smeg::backends::parse_set_reply(text); !set && set.status().message().empty()) {
    fail("set reply refused without a message");
  }
  auto r = smeg::backends::parse_get_reply(text);
  if (!r) {
    if (r.status().message().empty()) fail("get reply refused without a message");
    return 0;
  }
  const DeviceState& d = r->device;
  for (size_t i = 1; i < d.peers.size(); ++i) {
    if (!(d.peers[i - 1].public_key < d.peers[i].public_key)) fail("peers not sorted and unique");
  }
  DeviceChange c;
  c.private_key = d.private_key;
  if (d.listen_port) c.listen_port = d.listen_port;
  if (d.fwmark) c.fwmark = d.fwmark;
  for (const auto& p : d.peers) {
    PeerChange pc;
    pc.public_key = p.public_key;
    pc.endpoint = p.endpoint;
    if (p.persistent_keepalive) pc.persistent_keepalive = p.persistent_keepalive;
    pc.allowed_ips = p.allowed_ips;
    c.peers.push_back(pc);
  }
  std::string again = smeg::backends::format_set_request(c);
  again = again.substr(6, again.size() - 7) + "errno=0\n\n";  // a reply: no "set=1", errno last
  auto back = smeg::backends::parse_get_reply(again);
  if (!back) {
    std::fprintf(stderr, "%s\n", back.status().to_string().c_str());
    fail("the set text of a parsed device does not parse");
  }
  if (configuration(back->device) != configuration(d)) fail("round trip changed the device");
  return 0;
}

// Backend: makes a Linux host's WireGuard match a desired configuration (core/desired.h), by
// diff, without tearing down working tunnels. One interface, several implementations chosen
// at run time like wg(8) does (select.h):
//   - netlink: kernel WireGuard through the generic netlink family "wireguard" (libmnl);
//   - uapi:    a userspace implementation (wireguard-go, boringtun) through the text protocol
//              on /var/run/wireguard/IFACE.sock;
//   - memory:  an in-process device, for tests of everything above the backend.
// Link-level work (interfaces, addresses, MTU, up/down, routes) is rtnetlink for both real
// backends: a userspace implementation's tun device is an ordinary network device.
//
// Errors are Status values whose message names the interface, the operation and the errno
// text, e.g. "wg0: set device: Operation not permitted (errno 1)". A backend is used from one
// thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "backends/device.h"
#include "core/status.h"

namespace smeg::backends {

// The link-level state of an interface (rtnetlink's view).
struct LinkState {
  std::string name;
  uint32_t index = 0;
  uint32_t mtu = 0;
  bool up = false;
  // Addresses with their prefix length and host bits kept (as `ip addr` shows them; like
  // DesiredDevice::address, not canonical Prefixes), sorted.
  std::vector<Prefix> addresses;
  std::vector<Prefix> routes;  // destinations routed through this interface, sorted
  bool operator==(const LinkState&) const = default;
};

// What a backend has sent so far: tests and benchmarks read it to check that a change of one
// peer sends one peer, and that applying the same configuration twice sends nothing.
struct BackendStats {
  uint64_t device_reads = 0;  // get_device calls (a read of a 3000-peer device is a large dump)
  uint64_t set_requests = 0;  // device sets (a set split across messages counts once)
  uint64_t set_messages = 0;  // messages or request texts those sets took
  uint64_t set_bytes = 0;     // their encoded size
  uint64_t peers_sent = 0;    // peer entries in them (a peer split across messages counts once)
};

class Backend {
 public:
  virtual ~Backend() = default;
  // "netlink", "uapi" or "memory".
  virtual const char* kind() const = 0;

  // WireGuard devices this backend can reach, by interface name, sorted.
  virtual Result<std::vector<std::string>> list_devices() = 0;
  virtual Result<DeviceState> get_device(const std::string& ifname) = 0;
  // Sends `change` (validated first: nothing is sent if it is invalid).
  virtual Status set_device(const std::string& ifname, const DeviceChange& change) = 0;
  // Creates a WireGuard interface (kernel: a link of kind "wireguard"; uapi: starts the
  // userspace implementation). Fails if the name is taken.
  virtual Status create_interface(const std::string& ifname) = 0;
  virtual Status delete_interface(const std::string& ifname) = 0;
  // Whether set_device can remove a single allowed IP of a peer.
  virtual bool can_remove_allowed_ip() const { return false; }

  // Link level.
  virtual Result<LinkState> get_link(const std::string& ifname) = 0;
  virtual Status add_address(const std::string& ifname, const Prefix& address) = 0;
  virtual Status remove_address(const std::string& ifname, const Prefix& address) = 0;
  virtual Status set_mtu(const std::string& ifname, uint32_t mtu) = 0;
  virtual Status set_up(const std::string& ifname, bool up) = 0;
  virtual Status add_route(const std::string& ifname, const Prefix& destination) = 0;
  virtual Status remove_route(const std::string& ifname, const Prefix& destination) = 0;

  virtual const BackendStats& stats() const = 0;
};

struct ApplyOptions {
  uint32_t mtu = 1420;  // WireGuard's usual MTU over IPv6 underlays
  // Addresses and routes on the interface that this node did not put there are kept; only
  // the overlay address and the desired routes are managed.
  bool bring_up = true;
};

// What apply() did.
struct ApplyReport {
  DeviceChange change;  // the WireGuard change sent (empty: none)
  std::vector<Prefix> addresses_added, addresses_removed, routes_added, routes_removed;
  bool mtu_set = false;
  bool brought_up = false;
  bool changed() const;
};

// Makes interface `ifname` hold `desired`: reads the device and the link, sends only the
// differences (nothing at all when it already matches), WireGuard before routes so that a
// route never points at a peer that is not there yet. Managed addresses are those inside
// the desired address's prefix; managed routes are those in `previous_routes` (what an earlier
// apply installed), so routes others added stay. On an error nothing after the failing step
// is sent; see set_device of each backend for what a failed set leaves behind.
Result<ApplyReport> apply(Backend& backend, const std::string& ifname, const DesiredDevice& desired,
                          const std::vector<Prefix>& previous_routes, const ApplyOptions& options);

// The two halves of apply(), for callers that keep the device and link they last saw. Each
// sends what `desired` needs beyond `device` / `link`, records it in `report`, and on success
// leaves `device` / `link` as the interface now holds them.
Status apply_device(Backend& backend, const std::string& ifname, DeviceState& device,
                    const DesiredDevice& desired, ApplyReport& report);
Status apply_link(Backend& backend, const std::string& ifname, LinkState& link,
                  const DesiredDevice& desired, const std::vector<Prefix>& previous_routes,
                  const ApplyOptions& options, ApplyReport& report);

// The WireGuard interface of one mesh as this node last left it: what the daemon keeps per
// mesh. apply() diffs against the device and link it last saw instead of reading them back,
// so a one-peer change costs the diff and one small set, not a dump of every peer. It reads
// them back (and so repairs drift: someone's `wg set`, a removed address) on the first apply,
// after any failure, and after verify(); the owner calls verify() periodically. Used from one
// thread at a time, like the backend it borrows.
class MeshInterface {
 public:
  // `installed_routes`: routes an earlier run of this node installed (persisted by the
  // owner), which apply() may remove when they are no longer desired.
  MeshInterface(Backend& backend, std::string ifname, ApplyOptions options = {},
                std::vector<Prefix> installed_routes = {});

  // As the free apply(), with the routes it installed itself as `previous_routes`.
  Result<ApplyReport> apply(const DesiredDevice& desired);
  // Makes the next apply() read the device and link back first.
  void verify();

  const std::string& ifname() const { return ifname_; }
  // The routes this node installed and has not removed, sorted (persist them).
  const std::vector<Prefix>& installed_routes() const { return installed_routes_; }
  // How often apply() has read the device back.
  uint64_t reads() const { return reads_; }

 private:
  Status apply_cached(const DesiredDevice& desired, ApplyReport& report);

  Backend& backend_;
  const std::string ifname_;
  const ApplyOptions options_;
  std::vector<Prefix> installed_routes_;  // sorted
  // What the interface held after the last successful step; empty: unknown, read it back.
  std::optional<DeviceState> device_;
  std::optional<LinkState> link_;
  uint64_t reads_ = 0;
};

}  // namespace smeg::backends

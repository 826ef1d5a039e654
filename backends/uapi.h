// UapiBackend: userspace WireGuard (wireguard-go, boringtun) through the UAPI text protocol on
// the unix socket SOCKET_DIR/IFACE.sock (uapi_text.h), and the link level through rtnetlink
// (rtnl.h): a userspace implementation's tun device is an ordinary network device.
//
// Namespaces: the socket directory is a filesystem path shared by every network namespace, so
// interface names must be unique on the machine. Link operations and the implementation
// create_interface starts act in the network namespace of the calling thread: call a backend
// from a thread in the namespace of its interfaces.
//
// Every exchange opens its own connection, as wg(8) does: after a failed set wireguard-go stops
// reading the request and the connection is of no further use. Exchanges are bounded by
// Options::timeout. A set is validated before anything is sent; if the implementation refuses
// a line part-way, the lines before it stay applied (the protocol has no transactions), which
// is why validation catches everything it can first.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "backends/backend.h"
#include "backends/rtnl.h"

namespace smeg::backends {

class UapiBackend final : public Backend {
 public:
  struct Options {
    // Where IFACE.sock is looked for. wireguard-go always puts its socket in
    // /var/run/wireguard; another directory is for other implementations and for tests.
    std::string socket_dir = "/var/run/wireguard";
    // The implementation create_interface starts (searched on PATH when it has no '/'); it is
    // run as `PROGRAM IFACE` and is expected to daemonise, like wireguard-go.
    std::string program = "wireguard-go";
    // Bound on one socket exchange, and on waiting for a socket to appear or vanish.
    std::chrono::milliseconds timeout{5000};
  };

  UapiBackend() : UapiBackend(Options{}) {}
  explicit UapiBackend(Options options) : options_(std::move(options)) {}

  const char* kind() const override { return "uapi"; }
  // The interfaces with a socket in socket_dir, sorted.
  Result<std::vector<std::string>> list_devices() override;
  Result<DeviceState> get_device(const std::string& ifname) override;
  Status set_device(const std::string& ifname, const DeviceChange& change) override;
  // Starts the implementation for `ifname` (refused if its socket or a link of that name
  // exists) and waits for its socket.
  Status create_interface(const std::string& ifname) override;
  // Deletes the tun link (the implementation exits when its device goes away) and waits for
  // the socket to vanish.
  Status delete_interface(const std::string& ifname) override;
  bool can_remove_allowed_ip() const override { return false; }

  Result<LinkState> get_link(const std::string& ifname) override;
  Status add_address(const std::string& ifname, const Prefix& address) override;
  Status remove_address(const std::string& ifname, const Prefix& address) override;
  Status set_mtu(const std::string& ifname, uint32_t mtu) override;
  Status set_up(const std::string& ifname, bool up) override;
  Status add_route(const std::string& ifname, const Prefix& destination) override;
  Status remove_route(const std::string& ifname, const Prefix& destination) override;

  const BackendStats& stats() const override { return stats_; }

  // The text of the last set request sent (tests check what a change put on the wire).
  const std::string& last_set_request() const { return last_set_; }
  std::string socket_path(const std::string& ifname) const;

 private:
  // Sends `request` and reads the reply up to its blank line, within options_.timeout.
  Result<std::string> exchange(const std::string& ifname, const std::string& request,
                               const char* what);
  Result<Rtnl*> rtnl();

  Options options_;
  std::unique_ptr<Rtnl> rtnl_;  // opened on first use
  BackendStats stats_;
  std::string last_set_;
  // The public key last read or set per interface, for validate() (see set_device).
  std::map<std::string, std::optional<PublicKey>> own_keys_;
};

}  // namespace smeg::backends

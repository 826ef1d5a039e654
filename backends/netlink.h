// NetlinkBackend: kernel WireGuard through the generic netlink family "wireguard" (libmnl),
// with link-level work (interfaces, addresses, routes, MTU, up/down) delegated to Rtnl.
//
// Reads are one WG_CMD_GET_DEVICE dump (split peers coalesced); a set is validated, encoded
// into as many WG_CMD_SET_DEVICE messages as the socket's message size needs
// (netlink_wire.h), and sent one message at a time, each acknowledged before the next. The
// kernel applies every message on its own: when message k fails, messages before k have been
// applied and none after it was sent; the error says which. Used from one thread at a time.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "backends/backend.h"
#include "backends/nl_socket.h"

namespace smeg::backends {

class Rtnl;

class NetlinkBackend final : public Backend {
 public:
  // Opens the generic netlink and rtnetlink sockets and resolves the family. Unsupported,
  // with a message saying so, when the kernel has no WireGuard.
  static Result<std::unique_ptr<NetlinkBackend>> open();
  // Whether the running kernel offers the "wireguard" family (for tests that need it).
  static bool available();
  ~NetlinkBackend() override;

  const char* kind() const override { return "netlink"; }
  Result<std::vector<std::string>> list_devices() override;
  Result<DeviceState> get_device(const std::string& ifname) override;
  Status set_device(const std::string& ifname, const DeviceChange& change) override;
  Status create_interface(const std::string& ifname) override;
  Status delete_interface(const std::string& ifname) override;
  bool can_remove_allowed_ip() const override { return can_remove_allowed_ip_; }

  Result<LinkState> get_link(const std::string& ifname) override;
  Status add_address(const std::string& ifname, const Prefix& address) override;
  Status remove_address(const std::string& ifname, const Prefix& address) override;
  Status set_mtu(const std::string& ifname, uint32_t mtu) override;
  Status set_up(const std::string& ifname, bool up) override;
  Status add_route(const std::string& ifname, const Prefix& destination) override;
  Status remove_route(const std::string& ifname, const Prefix& destination) override;

  const BackendStats& stats() const override { return stats_; }
  uint16_t family_id() const { return family_; }
  // The size limit of one set message (tests and benchmarks report it).
  size_t max_message_bytes() const { return max_message_bytes_; }

 private:
  NetlinkBackend(std::unique_ptr<NlSocket> genl, std::unique_ptr<Rtnl> rtnl, uint16_t family,
                 bool can_remove_allowed_ip);
  // One WG_CMD_GET_DEVICE dump, parsed (get_device retries it).
  Result<DeviceState> read_device(const std::string& ifname);
  // The device's public key for validate(): from the last read, else read now.
  Result<std::optional<PublicKey>> own_public_key(const std::string& ifname);

  std::unique_ptr<NlSocket> genl_;
  std::unique_ptr<Rtnl> rtnl_;
  uint16_t family_;
  bool can_remove_allowed_ip_;
  size_t max_message_bytes_;
  // Public keys seen by get_device, per interface: set_device checks that no peer carries the
  // device's own key (the kernel silently ignores such a peer) without a dump of every peer.
  std::map<std::string, std::optional<PublicKey>> own_keys_;
  BackendStats stats_;
};

}  // namespace smeg::backends

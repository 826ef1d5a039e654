// Rtnl: link-level configuration over rtnetlink, what `ip link`, `ip addr` and `ip route` do:
// interfaces (create of a given kind, delete, MTU, up/down), addresses and routes. Both real
// backends use it (a userspace implementation's tun device is an ordinary network device).
// Every error names the interface and the operation.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "backends/nl_socket.h"

namespace smeg::backends {

class Rtnl {
 public:
  static Result<std::unique_ptr<Rtnl>> open();

  // The interface index of `ifname` (not_found if there is none).
  Result<uint32_t> link_index(const std::string& ifname);
  // Names of the links of `kind` (IFLA_INFO_KIND, e.g. "wireguard"), sorted.
  Result<std::vector<std::string>> links_of_kind(const std::string& kind);
  // MTU, up flag, addresses (with prefix length, host bits kept) and the routes of the main
  // table whose output device is this interface.
  Result<LinkState> get_link(const std::string& ifname);

  Status create_link(const std::string& ifname, const std::string& kind);
  Status delete_link(const std::string& ifname);
  Status set_mtu(const std::string& ifname, uint32_t mtu);
  Status set_up(const std::string& ifname, bool up);
  Status add_address(const std::string& ifname, const Prefix& address);
  Status remove_address(const std::string& ifname, const Prefix& address);
  // Routes in the main table through the interface (no gateway: WireGuard is point-to-point
  // by cryptokey routing).
  Status add_route(const std::string& ifname, const Prefix& destination);
  Status remove_route(const std::string& ifname, const Prefix& destination);

 private:
  explicit Rtnl(std::unique_ptr<NlSocket> s) : nl_(std::move(s)) {}
  Status address_op(const std::string& ifname, const Prefix& address, bool add);
  Status route_op(const std::string& ifname, const Prefix& destination, bool add);
  std::unique_ptr<NlSocket> nl_;
};

}  // namespace smeg::backends

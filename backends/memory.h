// MemoryBackend: WireGuard devices and links held in process memory, for tests of everything
// above the backend (the daemon, apply()). A set is validated like the real backends', then
// applied with backends::applied(): the memory device is what a correct kernel would hold.
// It encodes nothing, so stats().set_bytes stays 0; the other counters count as documented.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "backends/backend.h"

namespace smeg::backends {

class MemoryBackend final : public Backend {
 public:
  const char* kind() const override { return "memory"; }
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

  // Test controls: whether single allowed IPs can be removed (like newer kernels), and an
  // error for the next operation named `op` ("set_device", "add_route", ...).
  void set_can_remove_allowed_ip(bool v) { can_remove_allowed_ip_ = v; }
  void fail_next(std::string op, Status error) {
    fail_op_ = std::move(op), fail_ = std::move(error);
  }

 private:
  struct Interface {
    DeviceState device;
    LinkState link;
  };
  Result<Interface*> find(const std::string& ifname, const char* op);
  std::optional<Status> injected(const char* op);

  std::map<std::string, Interface> ifaces_;
  uint32_t next_index_ = 1;
  bool can_remove_allowed_ip_ = false;
  std::string fail_op_;
  Status fail_;
  BackendStats stats_;
};

}  // namespace smeg::backends

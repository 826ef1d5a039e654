#include "backends/memory.h"

#include <algorithm>

namespace smeg::backends {
namespace {

Status insert_sorted(std::vector<Prefix>& v, const Prefix& p, const std::string& what) {
  auto it = std::lower_bound(v.begin(), v.end(), p);
  if (it != v.end() && *it == p) return Status::conflict(what + " " + p.to_string() + ": exists");
  v.insert(it, p);
  return Status::ok();
}

Status erase_sorted(std::vector<Prefix>& v, const Prefix& p, const std::string& what) {
  auto it = std::lower_bound(v.begin(), v.end(), p);
  if (it == v.end() || *it != p) return Status::not_found(what + " " + p.to_string() + ": absent");
  v.erase(it);
  return Status::ok();
}

}  // namespace

std::optional<Status> MemoryBackend::injected(const char* op) {
  if (fail_op_.empty() || fail_op_ != op) return std::nullopt;
  fail_op_.clear();
  return std::move(fail_);
}

Result<MemoryBackend::Interface*> MemoryBackend::find(const std::string& ifname, const char* op) {
  if (auto e = injected(op)) return *e;
  auto it = ifaces_.find(ifname);
  if (it == ifaces_.end()) {
    return Status::not_found(ifname + ": " + op + ": No such device (errno 19)");
  }
  return &it->second;
}

Result<std::vector<std::string>> MemoryBackend::list_devices() {
  std::vector<std::string> names;
  for (const auto& [name, i] : ifaces_) names.push_back(name);
  return names;
}

Result<DeviceState> MemoryBackend::get_device(const std::string& ifname) {
  stats_.device_reads++;
  auto i = find(ifname, "get_device");
  if (!i) return i.status();
  return (*i)->device;
}

Status MemoryBackend::set_device(const std::string& ifname, const DeviceChange& change) {
  auto i = find(ifname, "set_device");
  if (!i) return i.status();
  if (Status s = validate(change, (*i)->device.public_key); !s) {
    return Status::invalid_argument(ifname + ": set device: " + s.message());
  }
  (*i)->device = applied((*i)->device, change);
  stats_.set_requests++;
  stats_.set_messages++;
  stats_.peers_sent += change.peers.size();
  return Status::ok();
}

Status MemoryBackend::create_interface(const std::string& ifname) {
  if (auto e = injected("create_interface")) return *e;
  if (ifname.empty() || ifname.size() > 15) {
    return Status::invalid_argument(ifname + ": create interface: name must be 1-15 bytes");
  }
  if (ifaces_.count(ifname))
    return Status::conflict(ifname + ": create interface: File exists (errno 17)");
  Interface& i = ifaces_[ifname];
  i.device.name = ifname;
  i.link.name = ifname;
  i.link.index = next_index_++;
  i.link.mtu = 1420;
  return Status::ok();
}

Status MemoryBackend::delete_interface(const std::string& ifname) {
  auto i = find(ifname, "delete_interface");
  if (!i) return i.status();
  ifaces_.erase(ifname);
  return Status::ok();
}

Result<LinkState> MemoryBackend::get_link(const std::string& ifname) {
  auto i = find(ifname, "get_link");
  if (!i) return i.status();
  return (*i)->link;
}

Status MemoryBackend::add_address(const std::string& ifname, const Prefix& address) {
  auto i = find(ifname, "add_address");
  if (!i) return i.status();
  return insert_sorted((*i)->link.addresses, address, ifname + ": add address");
}

Status MemoryBackend::remove_address(const std::string& ifname, const Prefix& address) {
  auto i = find(ifname, "remove_address");
  if (!i) return i.status();
  return erase_sorted((*i)->link.addresses, address, ifname + ": remove address");
}

Status MemoryBackend::set_mtu(const std::string& ifname, uint32_t mtu) {
  auto i = find(ifname, "set_mtu");
  if (!i) return i.status();
  if (mtu < 1280) return Status::invalid_argument(ifname + ": set mtu: below IPv6's 1280");
  (*i)->link.mtu = mtu;
  return Status::ok();
}

Status MemoryBackend::set_up(const std::string& ifname, bool up) {
  auto i = find(ifname, "set_up");
  if (!i) return i.status();
  (*i)->link.up = up;
  return Status::ok();
}

Status MemoryBackend::add_route(const std::string& ifname, const Prefix& destination) {
  auto i = find(ifname, "add_route");
  if (!i) return i.status();
  return insert_sorted((*i)->link.routes, destination, ifname + ": add route");
}

Status MemoryBackend::remove_route(const std::string& ifname, const Prefix& destination) {
  auto i = find(ifname, "remove_route");
  if (!i) return i.status();
  return erase_sorted((*i)->link.routes, destination, ifname + ": remove route");
}

}  // namespace smeg::backends

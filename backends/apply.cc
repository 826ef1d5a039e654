#include <algorithm>

#include "backends/backend.h"

namespace smeg::backends {
namespace {

// The network of an interface address (host bits cleared).
Prefix network_of(const Prefix& address) {
  auto p = Prefix::make(address.addr, address.len);
  return p.is_ok() ? *p : address;
}

bool has(const std::vector<Prefix>& v, const Prefix& p) {
  return std::find(v.begin(), v.end(), p) != v.end();
}

void insert_sorted(std::vector<Prefix>& v, const Prefix& p) {
  auto it = std::lower_bound(v.begin(), v.end(), p);
  if (it == v.end() || *it != p) v.insert(it, p);
}

}  // namespace

bool ApplyReport::changed() const {
  return !change.empty() || !addresses_added.empty() || !addresses_removed.empty() ||
         !routes_added.empty() || !routes_removed.empty() || mtu_set || brought_up;
}

Status apply_device(Backend& backend, const std::string& ifname, DeviceState& device,
                    const DesiredDevice& desired, ApplyReport& report) {
  DiffOptions diff_options;
  diff_options.can_remove_allowed_ip = backend.can_remove_allowed_ip();
  report.change = diff(device, desired, diff_options);
  if (report.change.empty()) return Status::ok();
  if (Status s = backend.set_device(ifname, report.change); !s) return s;
  apply_in_place(device, report.change);
  return Status::ok();
}

Status apply_link(Backend& backend, const std::string& ifname, LinkState& link,
                  const DesiredDevice& desired, const std::vector<Prefix>& previous_routes,
                  const ApplyOptions& options, ApplyReport& report) {
  if (options.mtu && link.mtu != options.mtu) {
    if (Status s = backend.set_mtu(ifname, options.mtu); !s) return s;
    link.mtu = options.mtu;
    report.mtu_set = true;
  }
  const Prefix net = network_of(desired.address);
  const std::vector<Prefix> addresses = link.addresses;
  for (const Prefix& a : addresses) {
    if (a == desired.address || a.addr.family != net.addr.family || !net.contains(a.addr)) {
      continue;
    }
    if (Status s = backend.remove_address(ifname, a); !s) return s;
    std::erase(link.addresses, a);
    report.addresses_removed.push_back(a);
  }
  if (desired.address.len > 0 && !has(link.addresses, desired.address)) {
    if (Status s = backend.add_address(ifname, desired.address); !s) return s;
    insert_sorted(link.addresses, desired.address);
    report.addresses_added.push_back(desired.address);
  }
  if (options.bring_up && !link.up) {
    if (Status s = backend.set_up(ifname, true); !s) return s;
    link.up = true;
    report.brought_up = true;
  }
  // Routes: add the desired ones missing, remove the ones we installed before that are no
  // longer desired; routes someone else installed stay.
  for (const Prefix& r : desired.routes) {
    if (has(link.routes, r)) continue;
    if (Status s = backend.add_route(ifname, r); !s) return s;
    insert_sorted(link.routes, r);
    report.routes_added.push_back(r);
  }
  for (const Prefix& r : previous_routes) {
    if (has(desired.routes, r) || !has(link.routes, r)) continue;
    if (Status s = backend.remove_route(ifname, r); !s) return s;
    std::erase(link.routes, r);
    report.routes_removed.push_back(r);
  }
  return Status::ok();
}

Result<ApplyReport> apply(Backend& backend, const std::string& ifname, const DesiredDevice& desired,
                          const std::vector<Prefix>& previous_routes, const ApplyOptions& options) {
  ApplyReport report;
  auto device = backend.get_device(ifname);
  if (!device) return device.status();
  if (Status s = apply_device(backend, ifname, *device, desired, report); !s) return s;
  auto link = backend.get_link(ifname);
  if (!link) return link.status();
  if (Status s = apply_link(backend, ifname, *link, desired, previous_routes, options, report);
      !s) {
    return s;
  }
  return report;
}

MeshInterface::MeshInterface(Backend& backend, std::string ifname, ApplyOptions options,
                             std::vector<Prefix> installed_routes)
    : backend_(backend),
      ifname_(std::move(ifname)),
      options_(options),
      installed_routes_(std::move(installed_routes)) {
  std::sort(installed_routes_.begin(), installed_routes_.end());
}

void MeshInterface::verify() {
  device_.reset();
  link_.reset();
}

Result<ApplyReport> MeshInterface::apply(const DesiredDevice& desired) {
  ApplyReport report;
  Status s = apply_cached(desired, report);
  // Routes this node may have installed: the ones it had, plus any added before a failure
  // (so that a later apply still removes them), minus the ones it removed.
  for (const Prefix& r : report.routes_added) insert_sorted(installed_routes_, r);
  for (const Prefix& r : report.routes_removed) std::erase(installed_routes_, r);
  if (!s) {
    // After a failure the backend may hold part of the change (see set_device); only a
    // read tells what, so the next apply starts from one.
    verify();
    return s;
  }
  installed_routes_ = desired.routes;
  std::sort(installed_routes_.begin(), installed_routes_.end());
  return report;
}

Status MeshInterface::apply_cached(const DesiredDevice& desired, ApplyReport& report) {
  if (!device_) {
    auto d = backend_.get_device(ifname_);
    if (!d) return d.status();
    device_ = std::move(*d);
    ++reads_;
  }
  if (Status s = apply_device(backend_, ifname_, *device_, desired, report); !s) return s;
  if (!link_) {
    auto l = backend_.get_link(ifname_);
    if (!l) return l.status();
    link_ = std::move(*l);
  }
  return apply_link(backend_, ifname_, *link_, desired, installed_routes_, options_, report);
}

}  // namespace smeg::backends

#include <algorithm>

#include "backends/backend.h"

namespace smeg::backends {
namespace {

// The network of an interface address (host bits cleared).
Prefix network_of(const Prefix& address) {
  auto p = Prefix::make(address.addr, address.len);
  return p.is_ok() ? *p : address;
}

}  // namespace

bool ApplyReport::changed() const {
  return !change.empty() || !addresses_added.empty() || !addresses_removed.empty() ||
         !routes_added.empty() || !routes_removed.empty() || mtu_set || brought_up;
}

Result<ApplyReport> apply(Backend& backend, const std::string& ifname, const DesiredDevice& desired,
                          const std::vector<Prefix>& previous_routes, const ApplyOptions& options) {
  ApplyReport report;
  auto device = backend.get_device(ifname);
  if (!device) return device.status();
  DiffOptions diff_options;
  diff_options.can_remove_allowed_ip = backend.can_remove_allowed_ip();
  report.change = diff(*device, desired, diff_options);
  if (!report.change.empty()) {
    if (Status s = backend.set_device(ifname, report.change); !s) return s;
  }

  auto link = backend.get_link(ifname);
  if (!link) return link.status();
  if (options.mtu && link->mtu != options.mtu) {
    if (Status s = backend.set_mtu(ifname, options.mtu); !s) return s;
    report.mtu_set = true;
  }
  const Prefix net = network_of(desired.address);
  bool have_address = false;
  for (const Prefix& a : link->addresses) {
    if (a == desired.address) {
      have_address = true;
    } else if (a.addr.family == net.addr.family && net.contains(a.addr)) {
      if (Status s = backend.remove_address(ifname, a); !s) return s;
      report.addresses_removed.push_back(a);
    }
  }
  if (!have_address && desired.address.len > 0) {
    if (Status s = backend.add_address(ifname, desired.address); !s) return s;
    report.addresses_added.push_back(desired.address);
  }
  if (options.bring_up && !link->up) {
    if (Status s = backend.set_up(ifname, true); !s) return s;
    report.brought_up = true;
  }
  // Routes: add the desired ones missing, remove the ones we installed before that are no
  // longer desired; routes someone else installed stay.
  for (const Prefix& r : desired.routes) {
    if (std::find(link->routes.begin(), link->routes.end(), r) == link->routes.end()) {
      if (Status s = backend.add_route(ifname, r); !s) return s;
      report.routes_added.push_back(r);
    }
  }
  for (const Prefix& r : previous_routes) {
    const bool wanted =
        std::find(desired.routes.begin(), desired.routes.end(), r) != desired.routes.end();
    const bool there = std::find(link->routes.begin(), link->routes.end(), r) != link->routes.end();
    if (!wanted && there) {
      if (Status s = backend.remove_route(ifname, r); !s) return s;
      report.routes_removed.push_back(r);
    }
  }
  return report;
}

}  // namespace smeg::backends

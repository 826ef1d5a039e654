// Choosing a backend at run time, as wg(8) does: "auto" takes the userspace implementation if
// its socket (SOCKET_DIR/IFACE.sock) exists, else kernel WireGuard over netlink; "uapi",
// "netlink" and "memory" choose one explicitly. Unknown names are refused.
#pragma once

#include <memory>
#include <string>

#include "backends/backend.h"
#include "backends/uapi.h"

namespace smeg::backends {

// The backend named `name` for interface `ifname` (only "auto" looks at the interface).
// `uapi` configures a UapiBackend if one is chosen (its socket_dir is also where "auto" looks).
Result<std::unique_ptr<Backend>> select_backend(const std::string& name, const std::string& ifname,
                                                const UapiBackend::Options& uapi = {});

}  // namespace smeg::backends

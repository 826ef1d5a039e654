#include "backends/select.h"

#include <sys/stat.h>

#include "backends/memory.h"
#include "backends/netlink.h"

namespace smeg::backends {
namespace {

// Kernel WireGuard; a clear "unsupported" when the kernel has no wireguard family.
Result<std::unique_ptr<Backend>> netlink_backend() {
  auto b = NetlinkBackend::open();
  if (!b) return b.status();
  return std::unique_ptr<Backend>(std::move(*b));
}

}  // namespace

Result<std::unique_ptr<Backend>> select_backend(const std::string& name, const std::string& ifname,
                                                const UapiBackend::Options& uapi) {
  if (name == "uapi") return std::unique_ptr<Backend>(std::make_unique<UapiBackend>(uapi));
  if (name == "memory") return std::unique_ptr<Backend>(std::make_unique<MemoryBackend>());
  if (name == "netlink") return netlink_backend();
  if (name == "auto") {
    // Like wg(8): a userspace implementation's socket wins; no socket means the kernel.
    struct stat st {};
    const std::string path = uapi.socket_dir + "/" + ifname + ".sock";
    if (!ifname.empty() && ::stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) {
      return std::unique_ptr<Backend>(std::make_unique<UapiBackend>(uapi));
    }
    return netlink_backend();
  }
  return Status::invalid_argument("backend \"" + name +
                                  "\": unknown (choose auto, uapi, netlink or memory)");
}

}  // namespace smeg::backends

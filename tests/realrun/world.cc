#include "tests/realrun/world.h"

#include <signal.h>

#include <filesystem>
#include <system_error>

#include "tests/realrun/command.h"

namespace smeg::realrun {
namespace {

constexpr const char* kUapiDir = "/var/run/wireguard";

Status ip(std::vector<std::string> args) {
  args.insert(args.begin(), "ip");
  auto r = run_command(args);
  return r ? Status::ok() : r.status();
}

}  // namespace

Result<std::unique_ptr<HostWorld>> HostWorld::create(const std::string& tag, uint32_t hosts,
                                                     const std::string& underlay_prefix,
                                                     const std::string& dir) {
  if (tag.empty() || tag.size() > 8) {
    return Status::invalid_argument("world tag \"" + tag + "\": must be 1..8 characters");
  }
  for (char c : tag) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
      return Status::invalid_argument("world tag \"" + tag +
                                      "\": lowercase letters and digits only");
    }
  }
  if (hosts == 0 || hosts > 9) {
    return Status::invalid_argument("world of " + std::to_string(hosts) + " hosts: 1..9 only");
  }
  std::unique_ptr<HostWorld> w(new HostWorld(tag, hosts, underlay_prefix, dir));
  if (Status s = w->build(); !s) return s;  // the destructor deletes what was made
  return w;
}

HostWorld::~HostWorld() { destroy(); }

std::string HostWorld::ns(uint32_t h) const { return "smeg-" + tag_ + "-h" + std::to_string(h); }
std::string HostWorld::underlay(uint32_t h) const { return prefix_ + std::to_string(h); }
std::string HostWorld::host_dir(uint32_t h) const { return dir_ + "/h" + std::to_string(h); }
std::string HostWorld::interface_prefix(uint32_t h) const {
  return tag_ + "h" + std::to_string(h) + "n";
}

Status HostWorld::build() {
  const std::string sw = "smeg-" + tag_ + "-sw";
  if (Status s = ip({"netns", "add", sw}); !s) return s;
  made_switch_ = true;
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"-n", sw, "link", "add", "br0", "type", "bridge"},
                                             {"-n", sw, "link", "set", "br0", "up"},
                                             {"-n", sw, "link", "set", "lo", "up"}}) {
    if (Status s = ip(args); !s) return s;
  }
  for (uint32_t h = 1; h <= hosts_; ++h) {
    const std::string host = ns(h);
    if (Status s = ip({"netns", "add", host}); !s) return s;
    made_hosts_ = h;
    const std::string port = tag_ + "x" + std::to_string(h);
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"link", "add", port, "netns", sw, "type", "veth", "peer", "name", "eth0", "netns",
              host},
             {"-n", sw, "link", "set", port, "master", "br0", "up"},
             {"-n", host, "link", "set", "lo", "up"},
             {"-n", host, "addr", "add", underlay(h) + "/64", "dev", "eth0", "nodad"},
             {"-n", host, "link", "set", "eth0", "up"}}) {
      if (Status s = ip(args); !s) return s;
    }
    std::error_code ec;
    std::filesystem::create_directories(host_dir(h), ec);
    if (ec) return Status::io_error(host_dir(h) + ": " + ec.message());
  }
  return Status::ok();
}

Status HostWorld::start(uint32_t h, const std::string& smegd, const std::string& config_path) {
  auto pid = spawn({"ip", "netns", "exec", ns(h), smegd, "--config", config_path},
                   host_dir(h) + "/smegd.log");
  if (!pid) return pid.status();
  started_.push_back(*pid);
  return Status::ok();
}

void HostWorld::kill(uint32_t h) {
  if (h == 0 || h > made_hosts_) return;
  auto pids = run_command({"ip", "netns", "pids", ns(h)});
  if (pids) {
    size_t at = 0;
    const std::string& text = *pids;
    while (at < text.size()) {
      size_t end = text.find('\n', at);
      if (end == std::string::npos) end = text.size();
      const std::string line = text.substr(at, end - at);
      at = end + 1;
      if (line.empty() || line.find_first_not_of("0123456789") != std::string::npos) continue;
      ::kill(static_cast<pid_t>(std::stol(line)), SIGKILL);
    }
  }
  for (auto it = started_.begin(); it != started_.end();) {
    it = reap(*it, 0) ? started_.erase(it) : it + 1;
  }
  // kill -9 leaves wireguard-go's UAPI sockets behind; the next start would find them.
  std::error_code ec;
  const std::string prefix = interface_prefix(h);
  for (const auto& e : std::filesystem::directory_iterator(kUapiDir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && e.path().extension() == ".sock") {
      std::filesystem::remove(e.path(), ec);
    }
  }
}

Status HostWorld::shape(uint32_t h, const std::vector<std::string>& tc_args) {
  std::vector<std::string> argv{"ip",    "netns", "exec", ns(h),  "tc",
                                "qdisc", "add",   "dev",  "eth0", "root"};
  argv.insert(argv.end(), tc_args.begin(), tc_args.end());
  auto r = run_command(argv);
  return r ? Status::ok() : r.status();
}

void HostWorld::destroy() {
  for (uint32_t h = 1; h <= made_hosts_; ++h) kill(h);
  for (pid_t pid : started_) reap(pid, 2000);
  started_.clear();
  for (uint32_t h = 1; h <= made_hosts_; ++h) (void)ip({"netns", "del", ns(h)});
  made_hosts_ = 0;
  if (made_switch_) (void)ip({"netns", "del", "smeg-" + tag_ + "-sw"});
  made_switch_ = false;
}

bool netem_works(const std::string& tag) {
  const std::string probe = "smeg-" + tag + "-netem";
  if (!ip({"netns", "add", probe})) return false;
  const bool works = ip({"-n", probe, "link", "add", "a0", "type", "veth", "peer", "name", "b0"}) &&
                     run_command({"ip", "netns", "exec", probe, "tc", "qdisc", "add", "dev", "a0",
                                  "root", "netem", "delay", "1ms"})
                         .is_ok();
  (void)ip({"netns", "del", probe});
  return works;
}

}  // namespace smeg::realrun

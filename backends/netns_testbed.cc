#include "backends/netns_testbed.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <thread>

namespace smeg::backends {
namespace {

bool socket_exists(const std::string& ifname) {
  struct stat st {};
  const std::string path = "/var/run/wireguard/" + ifname + ".sock";
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

CommandResult run_command(const std::string& command) {
  CommandResult r;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  const int w = ::pclose(p);
  r.status = WIFEXITED(w) ? WEXITSTATUS(w) : -1;
  return r;
}

std::string NetnsTestbed::unavailable_reason(const std::string& wireguard_go) {
  if (::geteuid() != 0) return "needs root (network namespaces, tun devices)";
  for (const std::string& tool : {wireguard_go, std::string("wg"), std::string("ip")}) {
    if (run_command("command -v " + tool).status != 0) {
      return tool + " is not installed (apt-get install --no-install-recommends wireguard-go " +
             "wireguard-tools iproute2)";
    }
  }
  if (::access("/dev/net/tun", R_OK | W_OK) != 0) return "/dev/net/tun is missing";
  const std::string probe = "smeg-probe-" + std::to_string(::getpid());
  CommandResult r = run_command("ip netns add " + probe);
  if (r.status != 0) return "`ip netns add` fails: " + r.output;
  run_command("ip netns del " + probe);
  return "";
}

NetnsTestbed::NetnsTestbed() : tag_(std::to_string(::getpid() % 100000)) {}

Result<std::unique_ptr<NetnsTestbed>> NetnsTestbed::create() {
  std::unique_ptr<NetnsTestbed> bed(new NetnsTestbed());
  const std::string veth = "smv" + bed->tag_;
  std::vector<std::string> steps;
  for (int h = 0; h < kHosts; ++h) {
    bed->netns_.push_back("smeg-uapi-" + bed->tag_ + "-" + std::to_string(h));
    steps.push_back("ip netns add " + bed->netns_[h]);
  }
  steps.push_back("ip link add " + veth + "a netns " + bed->netns_[0] + " type veth peer name " +
                  veth + "b netns " + bed->netns_[1]);
  for (int h = 0; h < kHosts; ++h) {
    const std::string dev = veth + (h == 0 ? "a" : "b");
    const std::string n = "ip -n " + bed->netns_[h] + " ";
    steps.push_back(n + "link set lo up");
    steps.push_back(n + "addr add " + bed->underlay(h).to_string() + "/64 dev " + dev + " nodad");
    steps.push_back(n + "link set " + dev + " up");
  }
  for (const std::string& step : steps) {
    CommandResult r = run_command(step);
    if (r.status != 0) {
      bed.reset();  // the destructor undoes the steps that worked
      return Status::io_error("testbed: `" + step + "` failed: " + r.output);
    }
  }
  return bed;
}

NetnsTestbed::~NetnsTestbed() {
  // Deleting the tun link makes wireguard-go exit (and remove its socket); anything still
  // running in our namespaces after that was started by this test and is ended by pid.
  for (const auto& [host, name] : interfaces_) {
    run_command("ip -n " + netns_[host] + " link del " + name);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  for (const auto& [host, name] : interfaces_) {
    while (socket_exists(name) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  for (const std::string& ns : netns_) {
    std::istringstream pids(run_command("ip netns pids " + ns).output);
    for (long pid; pids >> pid;) {
      if (pid > 1 && pid != ::getpid()) ::kill(static_cast<pid_t>(pid), SIGKILL);
    }
  }
  for (const auto& [host, name] : interfaces_) {
    if (socket_exists(name)) ::unlink(("/var/run/wireguard/" + name + ".sock").c_str());
  }
  for (const std::string& ns : netns_) run_command("ip netns del " + ns);  // takes the veth along
}

std::string NetnsTestbed::ifname(int host, int k) {
  const std::string name = "smu" + tag_ + static_cast<char>('a' + host) + std::to_string(k);
  for (const auto& [h, n] : interfaces_) {
    if (n == name) return name;
  }
  interfaces_.emplace_back(host, name);
  return name;
}

IpAddr NetnsTestbed::underlay(int host) const {
  std::array<uint8_t, 16> b{};
  b[0] = 0xfd;
  b[3] = 0xaa;
  b[15] = static_cast<uint8_t>(host + 1);
  return IpAddr::v6(b);
}

CommandResult NetnsTestbed::exec(int host, const std::string& command) const {
  return run_command("ip netns exec " + netns_[host] + " " + command);
}

InNetns::InNetns(const NetnsTestbed& bed, int host) {
  original_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  const std::string path = "/run/netns/" + bed.netns(host);
  const int target = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (original_ < 0 || target < 0) {
    error_ = "open " + path + ": " + std::strerror(errno);
  } else if (::setns(target, CLONE_NEWNET) != 0) {
    error_ = "setns " + path + ": " + std::strerror(errno);
  }
  if (target >= 0) ::close(target);
}

InNetns::~InNetns() {
  if (original_ < 0) return;
  if (error_.empty()) ::setns(original_, CLONE_NEWNET);
  ::close(original_);
}

}  // namespace smeg::backends

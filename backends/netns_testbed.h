// NetnsTestbed: two "hosts" on one machine for tests and benchmarks against real userspace
// WireGuard (../shared/notes/TESTBED.md §1): two network namespaces joined by a veth pair with
// underlay addresses fd00:aa::1/64 and fd00:aa::2/64, torn down by the destructor whatever the
// test did (WireGuard links deleted, implementations still running in the namespaces ended by
// pid, namespaces deleted).
//
// How a test acts inside a namespace: rtnetlink (Rtnl resolves names with if_nametoindex in
// the calling thread's namespace) and the processes a backend starts follow the network
// namespace of the calling thread, while the UAPI socket directory is a plain path. So a test
// enters a host with an InNetns scope (setns() on the calling thread, undone at the end of the
// scope) and makes that host's backend calls inside it. gtest runs tests on one thread, so
// this keeps one process and ordinary assertions; forking per host would need results piped
// back, and running the binary under `ip netns exec` would allow one host per process only.
// Interface names carry the test process's pid: the socket directory is shared by every
// namespace.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/address.h"
#include "core/status.h"

namespace smeg::backends {

// The output and exit status of a shell command.
struct CommandResult {
  int status = -1;
  std::string output;  // stdout and stderr
};
CommandResult run_command(const std::string& command);

class NetnsTestbed {
 public:
  // Why this machine cannot host the testbed ("" if it can): not root, no `ip netns`, no
  // wireguard-go or wg.
  static std::string unavailable_reason(const std::string& wireguard_go = "wireguard-go");
  // Creates the namespaces and the veth; the message says which step failed.
  static Result<std::unique_ptr<NetnsTestbed>> create();
  ~NetnsTestbed();
  NetnsTestbed(const NetnsTestbed&) = delete;
  NetnsTestbed& operator=(const NetnsTestbed&) = delete;

  static constexpr int kHosts = 2;
  const std::string& netns(int host) const { return netns_[host]; }
  // A WireGuard interface name of `host`, unique on the machine; the destructor deletes it.
  std::string ifname(int host, int k = 0);
  IpAddr underlay(int host) const;
  // `command` run inside host's namespace (ip netns exec).
  CommandResult exec(int host, const std::string& command) const;

 private:
  NetnsTestbed();
  std::string tag_;
  std::vector<std::string> netns_;
  std::vector<std::pair<int, std::string>> interfaces_;
};

// setns() of the calling thread into a host's namespace for the lifetime of the scope.
class InNetns {
 public:
  InNetns(const NetnsTestbed& bed, int host);
  ~InNetns();
  InNetns(const InNetns&) = delete;
  InNetns& operator=(const InNetns&) = delete;
  // "" when the thread is in the namespace, else why not.
  const std::string& error() const { return error_; }

 private:
  int original_ = -1;
  std::string error_;
};

}  // namespace smeg::backends

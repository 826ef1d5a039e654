// Hosts in network namespaces for a real run, laid out as tests/e2e/lib.sh lays out its
// worlds: a switch namespace holding a bridge, and hosts 1..N, each a namespace with one veth
// into the bridge (eth0) and the underlay address PREFIX::H/64. Every name carries the world's
// tag (unique on the machine: the caller makes it from its pid), so worlds of concurrent runs
// and of the e2e tests never meet: namespaces "TAG-hN" and "TAG-sw", WireGuard interfaces
// "<TAG>hNn0..." (the UAPI socket directory is shared by all namespaces). Nothing leaves the
// namespaces. destroy() (also run by the destructor) kills every process in them and deletes
// them. Not thread-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace smeg::realrun {

class HostWorld {
 public:
  // Creates the namespaces and the bridge; dir (existing, empty) gets one folder per host.
  // tag: a few lowercase letters and digits, at most 8 characters. On error, what was made
  // is deleted again.
  static Result<std::unique_ptr<HostWorld>> create(const std::string& tag, uint32_t hosts,
                                                   const std::string& underlay_prefix,
                                                   const std::string& dir);
  ~HostWorld();
  HostWorld(const HostWorld&) = delete;
  HostWorld& operator=(const HostWorld&) = delete;

  uint32_t hosts() const { return hosts_; }
  std::string ns(uint32_t h) const;
  std::string underlay(uint32_t h) const;
  std::string host_dir(uint32_t h) const;
  std::string socket(uint32_t h) const { return host_dir(h) + "/api.sock"; }
  std::string interface_prefix(uint32_t h) const;

  // Starts `smegd --config CONFIG` in host h, its output appended to host_dir(h)/smegd.log.
  Status start(uint32_t h, const std::string& smegd, const std::string& config_path);
  // kill -9 of every process in host h (smegd and its wireguard-go) and removal of the UAPI
  // sockets they leave behind.
  void kill(uint32_t h);
  // `tc qdisc add dev eth0 root ARGS...` in host h.
  Status shape(uint32_t h, const std::vector<std::string>& tc_args);
  // Kills everything and deletes the namespaces; safe to call twice.
  void destroy();

 private:
  HostWorld(std::string tag, uint32_t hosts, std::string prefix, std::string dir)
      : tag_(std::move(tag)), hosts_(hosts), prefix_(std::move(prefix)), dir_(std::move(dir)) {}
  Status build();

  std::string tag_;
  uint32_t hosts_;
  std::string prefix_;  // "fd00:5f:1a2b::"
  std::string dir_;
  bool made_switch_ = false;
  uint32_t made_hosts_ = 0;     // namespaces 1..made_hosts_ exist
  std::vector<pid_t> started_;  // smegd processes we started, to reap
};

// Whether `tc qdisc ... netem` works here: tried on a veth in a namespace of its own, named
// with tag, deleted again.
bool netem_works(const std::string& tag);

}  // namespace smeg::realrun

// Hooks: the operator's commands around interface changes (the original's preUp, postUp,
// preDown, postDown). Each command runs as `/bin/sh -c COMMAND` with the mesh's facts in its
// environment (SMEG_MESH, SMEG_INTERFACE, SMEG_ADDRESS, SMEG_HOOK), standard input from
// /dev/null and its output passed to smegd's stderr. Commands of one hook run in order; the
// first that fails (non-zero exit, killed, or over the time limit) stops the hook and its
// error names the hook, the command's position and how it ended.
//
// run_hook blocks its caller until the commands end or time out: hooks run around rare
// interface changes, and a daemon that went on while a preUp was still setting up would apply
// a configuration the operator said must wait. The limit keeps a hung command from stopping
// the daemon for long; a command over it is killed (its whole process group).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/status.h"

namespace smeg::daemon {

struct HookEnvironment {
  std::string hook;       // "preUp", "postUp", "preDown", "postDown"
  std::string mesh;       // mesh id
  std::string interface;  // WireGuard interface name
  std::string address;    // the node's overlay address with its prefix, e.g. fd12::1/64
};

// Runs every command in order; ok when all exit 0 (or there are none).
Status run_hook(const std::vector<std::string>& commands, const HookEnvironment& env,
                std::chrono::milliseconds limit = std::chrono::seconds(30));

}  // namespace smeg::daemon

// Running the system's tools (ip, tc, smegd) for a real run: argument vectors, never a shell,
// so no name or path is ever re-parsed. run_command() waits for the tool and returns what it
// printed; spawn() starts a long-lived process and returns its pid, which the caller must
// reap() once it has ended it. Not thread-safe (fork from one thread at a time).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/status.h"

namespace smeg::realrun {

// Runs argv[0] (looked up in PATH) to completion, stdout and stderr together into the result;
// a tool that exits non-zero is an error "ip netns add X: exit 1: <its output>". Output beyond
// 64 KiB is dropped.
Result<std::string> run_command(const std::vector<std::string>& argv);

// Starts argv[0] (looked up in PATH) with stdout and stderr appended to log_path and stdin
// from /dev/null.
Result<pid_t> spawn(const std::vector<std::string>& argv, const std::string& log_path);

// Reaps pid if it has ended (waits at most wait_ms for it); true once it is gone.
bool reap(pid_t pid, int wait_ms);

// True if `name` is an executable file in PATH (or a path to one).
bool have_tool(const std::string& name);

}  // namespace smeg::realrun

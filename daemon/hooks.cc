#include "daemon/hooks.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

extern char** environ;

namespace smeg::daemon {
namespace {

std::string errno_text(int e) {
  return std::string(std::strerror(e)) + " (errno " + std::to_string(e) + ")";
}

// The parent's environment plus the hook's variables (which replace any of the same name).
std::vector<std::string> hook_environment(const HookEnvironment& env) {
  const std::pair<const char*, const std::string*> ours[] = {
      {"SMEG_HOOK", &env.hook},
      {"SMEG_MESH", &env.mesh},
      {"SMEG_INTERFACE", &env.interface},
      {"SMEG_ADDRESS", &env.address},
  };
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e) {
    const std::string_view kv(*e);
    bool replaced = false;
    for (const auto& [name, value] : ours) {
      const size_t n = std::strlen(name);
      if (kv.size() > n && kv.substr(0, n) == name && kv[n] == '=') replaced = true;
    }
    if (!replaced) out.emplace_back(kv);
  }
  for (const auto& [name, value] : ours) out.push_back(std::string(name) + "=" + *value);
  return out;
}

Status run_one(const std::string& command, const std::vector<std::string>& environment,
               const std::string& what, std::chrono::milliseconds limit) {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  // Standard output goes where smegd's log goes.
  posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
  // A process group of its own, so a timeout kills what the shell started too.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);

  std::vector<char*> envp;
  for (const auto& kv : environment) envp.push_back(const_cast<char*>(kv.c_str()));
  envp.push_back(nullptr);
  char sh[] = "/bin/sh", dash_c[] = "-c";
  char* argv[] = {sh, dash_c, const_cast<char*>(command.c_str()), nullptr};

  pid_t pid = 0;
  const int rc = posix_spawn(&pid, "/bin/sh", &actions, &attr, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return Status::io_error(what + ": cannot start /bin/sh: " + errno_text(rc));

  const auto deadline = std::chrono::steady_clock::now() + limit;
  auto pause = std::chrono::milliseconds(1);
  int status = 0;
  for (;;) {
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) return Status::io_error(what + ": waitpid: " + errno_text(errno));
    if (std::chrono::steady_clock::now() >= deadline) {
      kill(-pid, SIGKILL);
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      return Status::io_error(what + ": killed after " + std::to_string(limit.count()) +
                              " ms (time limit)");
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Status::ok();
  if (WIFEXITED(status)) {
    return Status::io_error(what + ": exited with status " + std::to_string(WEXITSTATUS(status)));
  }
  if (WIFSIGNALED(status)) {
    return Status::io_error(what + ": killed by signal " + std::to_string(WTERMSIG(status)));
  }
  return Status::io_error(what + ": ended abnormally");
}

}  // namespace

Status run_hook(const std::vector<std::string>& commands, const HookEnvironment& env,
                std::chrono::milliseconds limit) {
  if (commands.empty()) return Status::ok();
  const auto environment = hook_environment(env);
  for (size_t i = 0; i < commands.size(); ++i) {
    const std::string what = env.hook + " command " + std::to_string(i + 1) + " of " +
                             std::to_string(commands.size()) + " (mesh " + env.mesh + ")";
    if (Status s = run_one(commands[i], environment, what, limit); !s) return s;
  }
  return Status::ok();
}

}  // namespace smeg::daemon

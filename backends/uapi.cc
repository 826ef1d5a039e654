#include "backends/uapi.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "backends/uapi_text.h"

extern char** environ;

namespace smeg::backends {
namespace {

using Clock = std::chrono::steady_clock;

// Closes a descriptor on every path out of a function.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Interface names become file names: refuse what would escape the socket directory.
Status check_name(const std::string& ifname, const char* what) {
  if (ifname.empty() || ifname.size() > 15 || ifname.find('/') != std::string::npos ||
      ifname == "." || ifname == "..") {
    return Status::invalid_argument(ifname + ": " + what +
                                    ": not an interface name (1-15 bytes, no '/')");
  }
  return Status::ok();
}

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

bool is_socket(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

// Waits until is_socket(path) == present, polling; false on timeout.
bool wait_for_socket(const std::string& path, bool present, Clock::time_point deadline) {
  while (is_socket(path) != present) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace

std::string UapiBackend::socket_path(const std::string& ifname) const {
  return options_.socket_dir + "/" + ifname + ".sock";
}

Result<std::string> UapiBackend::exchange(const std::string& ifname, const std::string& request,
                                          const char* what) {
  const std::string op = ifname + ": " + what;
  const std::string path = socket_path(ifname);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    return Status::invalid_argument(op + ": socket path too long: " + path);
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return errno_status(op + ": socket", errno);
  // Bounds a connect to an implementation that stopped accepting (unix connect honours it).
  const auto timeout_us = std::chrono::duration_cast<std::chrono::microseconds>(options_.timeout);
  timeval tv{static_cast<time_t>(timeout_us.count() / 1000000),
             static_cast<suseconds_t>(timeout_us.count() % 1000000)};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    const int err = errno;
    if (err == ENOENT) return Status::not_found(errno_status(op + ": " + path, err).message());
    return errno_status(op + ": connect " + path, err);
  }
  if (::fcntl(fd.get(), F_SETFL, O_NONBLOCK) != 0) return errno_status(op + ": fcntl", errno);

  const Clock::time_point deadline = Clock::now() + options_.timeout;
  size_t sent = 0;
  std::string reply;
  char buf[65536];
  while (!uapi_reply_complete(reply)) {
    pollfd p{fd.get(), static_cast<short>(sent < request.size() ? POLLOUT | POLLIN : POLLIN), 0};
    const int n = ::poll(&p, 1, remaining_ms(deadline));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_status(op + ": poll", errno);
    if (n == 0) return errno_status(op + ": no complete reply within the timeout", ETIMEDOUT);
    if (sent < request.size() && (p.revents & POLLOUT)) {
      const ssize_t w =
          ::send(fd.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (w < 0 && errno != EAGAIN && errno != EINTR) return errno_status(op + ": send", errno);
      if (w > 0) sent += static_cast<size_t>(w);
    }
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      const ssize_t r = ::recv(fd.get(), buf, sizeof buf, 0);
      if (r < 0 && errno != EAGAIN && errno != EINTR) return errno_status(op + ": recv", errno);
      if (r == 0) break;  // closed: the parser reports a truncated reply
      if (r > 0) reply.append(buf, static_cast<size_t>(r));
    }
  }
  return reply;
}

Result<std::vector<std::string>> UapiBackend::list_devices() {
  std::vector<std::string> names;
  DIR* dir = ::opendir(options_.socket_dir.c_str());
  if (!dir) {
    if (errno == ENOENT) return names;  // no implementation has run yet
    return errno_status("list devices: " + options_.socket_dir, errno);
  }
  constexpr std::string_view kSuffix = ".sock";
  while (const dirent* e = ::readdir(dir)) {
    const std::string_view n = e->d_name;
    if (n.size() <= kSuffix.size() || !n.ends_with(kSuffix)) continue;
    const std::string name(n.substr(0, n.size() - kSuffix.size()));
    if (is_socket(socket_path(name))) names.push_back(name);
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

Result<DeviceState> UapiBackend::get_device(const std::string& ifname) {
  if (Status s = check_name(ifname, "get device"); !s) return s;
  stats_.device_reads++;
  auto text = exchange(ifname, "get=1\n\n", "get device");
  if (!text) return text.status();
  auto reply = parse_get_reply(*text);
  if (!reply) return Status::corruption(ifname + ": get device: " + reply.status().message());
  if (reply->error) return errno_status(ifname + ": get device", reply->error);
  reply->device.name = ifname;
  own_keys_[ifname] = reply->device.public_key;
  return std::move(reply->device);
}

Status UapiBackend::set_device(const std::string& ifname, const DeviceChange& change) {
  if (Status s = check_name(ifname, "set device"); !s) return s;
  if (change.empty()) return Status::ok();
  // validate() refuses the device's own key as a peer, so it needs that key: the one the
  // change sets, else the one last read (apply() reads right before it sets), else a read.
  std::optional<PublicKey> own;
  if (change.private_key) {
    if (!change.private_key->is_zero()) own = change.private_key->public_key();
  } else if (auto it = own_keys_.find(ifname); it != own_keys_.end()) {
    own = it->second;
  } else {
    auto d = get_device(ifname);
    if (!d) return d.status();
    own = d->public_key;
  }
  Status valid = validate(change, own);
  if (valid) valid = validate_for_uapi(change);
  if (!valid) {
    const std::string msg = ifname + ": set device: " + valid.message();
    return valid.code() == Status::Code::kUnsupported ? Status::unsupported(msg)
                                                      : Status::invalid_argument(msg);
  }
  last_set_ = format_set_request(change);
  stats_.set_requests++;
  stats_.set_messages++;
  stats_.set_bytes += last_set_.size();
  stats_.peers_sent += change.peers.size();
  if (change.private_key) own_keys_[ifname] = own;
  auto text = exchange(ifname, last_set_, "set device");
  if (!text) return text.status();
  auto reply = parse_set_reply(*text);
  if (!reply) return Status::corruption(ifname + ": set device: " + reply.status().message());
  if (reply->error) return errno_status(ifname + ": set device", reply->error);
  return Status::ok();
}

Status UapiBackend::create_interface(const std::string& ifname) {
  if (Status s = check_name(ifname, "create interface"); !s) return s;
  const std::string what = ifname + ": create interface";
  const std::string path = socket_path(ifname);
  if (is_socket(path))
    return Status::conflict(what + ": " + path + " exists (File exists, errno 17)");
  auto nl = rtnl();
  if (!nl) return nl.status();
  if ((*nl)->link_index(ifname).is_ok()) {
    return Status::conflict(what + ": a link of that name exists (File exists, errno 17)");
  }

  // The launcher writes its complaints to stderr; keep them for the error message. It
  // daemonises, so the pipe is only read after it exited, never to EOF (the daemon may hold
  // the write end).
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) return errno_status(what + ": pipe", errno);
  Fd out_r(pipe_fds[0]), out_w(pipe_fds[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_w.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, out_w.get(), 2);
  // wireguard-go refuses to start on Linux without this variable (it prefers the kernel).
  std::vector<std::string> env_store = {"WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1"};
  for (char** e = environ; e && *e; ++e) {
    if (!std::string_view(*e).starts_with("WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=")) {
      env_store.emplace_back(*e);
    }
  }
  std::vector<char*> envp;
  for (auto& s : env_store) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string prog = options_.program, name = ifname;
  char* argv[] = {prog.data(), name.data(), nullptr};
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, prog.c_str(), &actions, nullptr, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return errno_status(what + ": start " + prog, rc);

  const Clock::time_point deadline = Clock::now() + options_.timeout;
  int wstatus = 0;
  pid_t done = 0;
  while ((done = ::waitpid(pid, &wstatus, WNOHANG)) == 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (done == 0) {  // the launcher hangs: end the process we started, and reap it
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &wstatus, 0);
    return errno_status(what + ": " + prog + " did not daemonise", ETIMEDOUT);
  }
  if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
    char buf[4096];
    const ssize_t n = ::read(out_r.get(), buf, sizeof buf);
    std::string said = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
    // The last line is the reason; the banner before it is boilerplate.
    while (!said.empty() && said.back() == '\n') said.pop_back();
    said = said.substr(said.rfind('\n') == std::string::npos ? 0 : said.rfind('\n') + 1);
    return Status::io_error(what + ": " + prog + " exited with status " +
                            std::to_string(WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1) +
                            (said.empty() ? "" : ": " + said));
  }
  if (!wait_for_socket(path, true, deadline)) {
    return errno_status(what + ": " + path + " did not appear", ETIMEDOUT);
  }
  return Status::ok();
}

Status UapiBackend::delete_interface(const std::string& ifname) {
  if (Status s = check_name(ifname, "delete interface"); !s) return s;
  auto nl = rtnl();
  if (!nl) return nl.status();
  if (Status s = (*nl)->delete_link(ifname); !s) return s;
  own_keys_.erase(ifname);
  const std::string path = socket_path(ifname);
  if (!wait_for_socket(path, false, Clock::now() + options_.timeout)) {
    return errno_status(ifname + ": delete interface: " + path + " is still there", ETIMEDOUT);
  }
  return Status::ok();
}

Result<Rtnl*> UapiBackend::rtnl() {
  if (!rtnl_) {
    auto r = Rtnl::open();
    if (!r) return r.status();
    rtnl_ = std::move(*r);
  }
  return rtnl_.get();
}

Result<LinkState> UapiBackend::get_link(const std::string& ifname) {
  auto nl = rtnl();
  if (!nl) return nl.status();
  return (*nl)->get_link(ifname);
}

Status UapiBackend::add_address(const std::string& ifname, const Prefix& address) {
  auto nl = rtnl();
  return nl ? (*nl)->add_address(ifname, address) : nl.status();
}

Status UapiBackend::remove_address(const std::string& ifname, const Prefix& address) {
  auto nl = rtnl();
  return nl ? (*nl)->remove_address(ifname, address) : nl.status();
}

Status UapiBackend::set_mtu(const std::string& ifname, uint32_t mtu) {
  auto nl = rtnl();
  return nl ? (*nl)->set_mtu(ifname, mtu) : nl.status();
}

Status UapiBackend::set_up(const std::string& ifname, bool up) {
  auto nl = rtnl();
  return nl ? (*nl)->set_up(ifname, up) : nl.status();
}

Status UapiBackend::add_route(const std::string& ifname, const Prefix& destination) {
  auto nl = rtnl();
  return nl ? (*nl)->add_route(ifname, destination) : nl.status();
}

Status UapiBackend::remove_route(const std::string& ifname, const Prefix& destination) {
  auto nl = rtnl();
  return nl ? (*nl)->remove_route(ifname, destination) : nl.status();
}

}  // namespace smeg::backends

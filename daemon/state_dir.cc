#include "daemon/state_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <system_error>
#include <utility>

namespace smeg::daemon {

namespace {

std::string errno_text(int err) { return std::generic_category().message(err); }

std::string octal(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// A name we build a path from: one plain component, never one of our temporaries.
Status check_name(std::string_view name) {
  if (name.empty() || name.size() > 200 || name.front() == '.' ||
      name.find_first_of(std::string_view("/\0", 2)) != std::string_view::npos) {
    return Status::invalid_argument("state file name '" + std::string(name) +
                                    "' is not a plain file name");
  }
  return Status::ok();
}

bool is_temporary(std::string_view name) {
  return name.size() > 5 && name.front() == '.' && name.ends_with(".tmp");
}

// Writes all of bytes to fd, across short writes and interruptions; errno on failure.
bool write_all(int fd, std::span<const uint8_t> bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    bytes = bytes.subspan(static_cast<size_t>(n));
  }
  return true;
}

Status mkdir_parents(const std::string& path) {
  for (size_t at = path.find('/', 1); at != std::string::npos; at = path.find('/', at + 1)) {
    const std::string prefix = path.substr(0, at);
    if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) {
      return Status::io_error("state directory " + path + ": mkdir " + prefix + ": " +
                              errno_text(errno));
    }
  }
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::io_error("state directory " + path + ": mkdir: " + errno_text(errno));
  }
  return Status::ok();
}

}  // namespace

Result<StateDir> StateDir::open(const std::string& given) {
  std::string path = given;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  if (path.empty()) return Status::invalid_argument("state directory: empty path");

  struct stat st {};
  const bool existed = ::stat(path.c_str(), &st) == 0;
  if (!existed) {
    if (Status s = mkdir_parents(path); !s) return s;
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOTDIR) {
      return Status::invalid_argument("state directory " + path + " exists and is not a directory");
    }
    return Status::io_error("state directory " + path + ": open: " + errno_text(err));
  }
  StateDir dir(path, fd);
  if (::fstat(fd, &st) != 0) {
    return Status::io_error("state directory " + path + ": stat: " + errno_text(errno));
  }
  if (st.st_uid != ::geteuid()) {
    return Status::invalid_argument("state directory " + path + " is owned by uid " +
                                    std::to_string(st.st_uid) + ", not by this user (uid " +
                                    std::to_string(::geteuid()) + "): refusing it");
  }
  // One daemon per directory: a second one would interleave its writes with ours (and take
  // our temporaries for leftovers). The lock goes with the descriptor, so with the process.
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    if (err == EWOULDBLOCK) {
      return Status::conflict("state directory " + path + " is in use by another smegd");
    }
    return Status::io_error("state directory " + path + ": lock: " + errno_text(err));
  }
  if ((st.st_mode & 07777) != 0700) {
    // A new directory may have lost owner bits to the umask; an old one may be too open.
    if (::fchmod(fd, 0700) != 0) {
      return Status::io_error("state directory " + path + ": chmod 0700: " + errno_text(errno));
    }
    if (existed) {
      dir.warnings_.push_back("state directory " + path + " had mode " + octal(st.st_mode) +
                              "; tightened to 0700 (it holds the private key)");
    }
  }
  if (Status s = dir.remove_leftover_temporaries(); !s) return s;
  return dir;
}

StateDir::StateDir(StateDir&& o) noexcept
    : path_(std::move(o.path_)),
      fd_(std::exchange(o.fd_, -1)),
      temp_counter_(o.temp_counter_),
      warnings_(std::move(o.warnings_)) {}

StateDir& StateDir::operator=(StateDir&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(o.path_);
    fd_ = std::exchange(o.fd_, -1);
    temp_counter_ = o.temp_counter_;
    warnings_ = std::move(o.warnings_);
  }
  return *this;
}

StateDir::~StateDir() {
  if (fd_ >= 0) ::close(fd_);
}

std::vector<std::string> StateDir::take_warnings() { return std::exchange(warnings_, {}); }

std::string StateDir::file_path(std::string_view name) const {
  return path_ + "/" + std::string(name);
}

Status StateDir::sync_dir(const std::string& what) const {
  if (::fsync(fd_) != 0) {
    return Status::io_error(what + ": fsync directory " + path_ + ": " + errno_text(errno));
  }
  return Status::ok();
}

Status StateDir::write_atomic(std::string_view name, std::span<const uint8_t> bytes, mode_t mode) {
  if (Status s = check_name(name); !s) return s;
  const std::string what = "write " + file_path(name);
  std::string temp;
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    temp = "." + std::string(name) + "." + std::to_string(::getpid()) + "." +
           std::to_string(temp_counter_++) + ".tmp";
    fd = ::openat(fd_, temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) return Status::io_error(what + ": create " + temp + ": " + errno_text(errno));

  // Undoes the temporary file; returns the error of the step that failed.
  const auto fail = [&](const std::string& op, int err) {
    if (fd >= 0) ::close(fd);
    ::unlinkat(fd_, temp.c_str(), 0);
    return Status::io_error(what + ": " + op + ": " + errno_text(err));
  };
  // The umask may have taken bits of mode: set exactly mode before any byte is in the file.
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fail("stat " + temp, errno);
  if ((st.st_mode & 07777) != (mode & 07777) && ::fchmod(fd, mode) != 0) {
    return fail("chmod " + temp, errno);
  }
  if (!write_all(fd, bytes)) return fail("write " + temp, errno);
  if (::fsync(fd) != 0) return fail("fsync " + temp, errno);
  const int closed = ::close(fd);
  fd = -1;
  if (closed != 0) return fail("close " + temp, errno);
  if (::renameat(fd_, temp.c_str(), fd_, std::string(name).c_str()) != 0) {
    return fail("rename " + temp + " over it", errno);
  }
  if (Status s = sync_dir(what); !s) {
    return Status::io_error(s.message() + " (the new file is in place, maybe not yet durable)");
  }
  return Status::ok();
}

Result<std::optional<std::vector<uint8_t>>> StateDir::read(std::string_view name) const {
  if (Status s = check_name(name); !s) return s;
  const std::string path = file_path(name);
  const int fd = ::openat(fd_, std::string(name).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT) return std::optional<std::vector<uint8_t>>();
  if (fd < 0) return Status::io_error("read " + path + ": open: " + errno_text(errno));
  const auto fail = [&](const std::string& why) {
    ::close(fd);
    return Status::io_error("read " + path + ": " + why);
  };
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fail("stat: " + errno_text(errno));
  if (!S_ISREG(st.st_mode)) return fail("not a regular file");
  if (static_cast<uint64_t>(st.st_size) > kMaxFileBytes) {
    return fail(std::to_string(st.st_size) + " bytes, more than the limit of " +
                std::to_string(kMaxFileBytes));
  }
  std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
  size_t got = 0;
  for (;;) {
    if (got == bytes.size()) {
      // The file may have grown since fstat: read on, within the limit.
      if (bytes.size() >= kMaxFileBytes) return fail("larger than the limit");
      bytes.resize(std::min(kMaxFileBytes, bytes.size() + 4096));
    }
    const ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("read: " + errno_text(errno));
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  bytes.resize(got);
  return std::optional<std::vector<uint8_t>>(std::move(bytes));
}

Result<std::vector<std::string>> StateDir::list() const {
  const int fd = ::openat(fd_, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR* d = fd >= 0 ? ::fdopendir(fd) : nullptr;
  if (!d) {
    const int err = errno;
    if (fd >= 0) ::close(fd);
    return Status::io_error("list " + path_ + ": " + errno_text(err));
  }
  std::vector<std::string> names;
  errno = 0;
  while (const dirent* e = ::readdir(d)) {
    const std::string_view n = e->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  const int err = errno;
  ::closedir(d);
  if (err != 0) return Status::io_error("list " + path_ + ": " + errno_text(err));
  std::sort(names.begin(), names.end());
  return names;
}

Status StateDir::remove_leftover_temporaries() {
  auto names = list();
  if (!names) return names.status();
  for (const std::string& n : *names) {
    if (!is_temporary(n)) continue;
    if (::unlinkat(fd_, n.c_str(), 0) != 0) {
      return Status::io_error("remove " + file_path(n) + ": " + errno_text(errno));
    }
    warnings_.push_back("removed " + file_path(n) + ", left by an interrupted write");
  }
  return Status::ok();
}

}  // namespace smeg::daemon

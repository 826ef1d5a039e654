// The state directory against the real file system. Tests run as root, where permission bits
// do not stop a write: failures are caused by what binds root too (a file size limit, a
// descriptor limit, a directory where a file should go), and each test says what it proves.
#include "daemon/state_dir.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "daemon/persist_test_helpers.h"

namespace smeg::daemon {
namespace {

using namespace persist_testing;  // NOLINT: the helpers are what these tests are written in
using Bytes = std::vector<uint8_t>;

Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }

std::vector<std::string> entries(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

using StateDirTest = persist_testing::TempStateDirTest;

TEST_F(StateDirTest, OpenCreatesTheDirectoryAndParentsWithMode0700) {
  dir_ = base_ / "var" / "lib" / "smeg";
  const mode_t old_umask = ::umask(0);  // the mode must not come from the umask
  auto d = StateDir::open(dir_.string() + "/");
  ::umask(old_umask);
  ASSERT_TRUE(d) << d.status().to_string();
  EXPECT_EQ(d->path(), dir_.string());
  EXPECT_EQ(mode_of(dir_), 0700u);
  EXPECT_EQ(mode_of(base_ / "var"), 0700u);
  EXPECT_TRUE(d->take_warnings().empty());
}

TEST_F(StateDirTest, OpenTightensALooseDirectoryAndWarns) {
  fs::create_directory(dir_);
  ::chmod(dir_.c_str(), 0755);
  StateDir d = open_ok();
  EXPECT_EQ(mode_of(dir_), 0700u);
  const auto warnings = d.take_warnings();
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find(dir_.string() + " had mode 0755; tightened to 0700"),
            std::string::npos)
      << warnings[0];
  EXPECT_TRUE(d.take_warnings().empty()) << "taken once";
}

TEST_F(StateDirTest, OpenRefusesAFileAndADirectoryOfAnotherUser) {
  put(dir_, "not a directory");
  auto file = StateDir::open(dir_);
  ASSERT_FALSE(file);
  EXPECT_EQ(file.status().message(),
            "state directory " + dir_.string() + " exists and is not a directory");

  const fs::path theirs = base_ / "theirs";
  fs::create_directory(theirs);
  if (::chown(theirs.c_str(), 4242, 4242) != 0) GTEST_SKIP() << "needs root to chown";
  auto other = StateDir::open(theirs);
  ASSERT_FALSE(other);
  EXPECT_NE(other.status().message().find(theirs.string() + " is owned by uid 4242"),
            std::string::npos)
      << other.status().message();
}

TEST_F(StateDirTest, OneOpenAtATime) {
  StateDir first = open_ok();
  auto second = StateDir::open(dir_);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.status().code(), Status::Code::kConflict);
  EXPECT_NE(second.status().message().find("in use by another smegd"), std::string::npos);
  { StateDir moved = std::move(first); }  // closing releases the lock
  EXPECT_TRUE(StateDir::open(dir_));
}

TEST_F(StateDirTest, OpenRemovesTemporariesLeftByACrash) {
  fs::create_directory(dir_);
  ::chmod(dir_.c_str(), 0700);
  put(dir_ / ".private.key.77.0.tmp", "half a key");
  put(dir_ / "notes.txt", "kept");
  StateDir d = open_ok();
  EXPECT_EQ(entries(dir_), std::vector<std::string>{"notes.txt"});
  const auto warnings = d.take_warnings();
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find(".private.key.77.0.tmp"), std::string::npos);
}

TEST_F(StateDirTest, WriteAtomicSetsTheModeAtCreationAndReplaces) {
  StateDir d = open_ok();
  const mode_t old_umask = ::umask(0077);  // would strip the group bit from a plain open()
  const Status first = d.write_atomic("status", bytes_of("one"), 0640);
  ::umask(old_umask);
  ASSERT_TRUE(first) << first.to_string();
  EXPECT_EQ(mode_of(dir_ / "status"), 0640u);
  ASSERT_TRUE(d.write_atomic("status", bytes_of("two, longer"), 0600));
  EXPECT_EQ(contents(dir_ / "status"), "two, longer");
  EXPECT_EQ(mode_of(dir_ / "status"), 0600u);
  EXPECT_EQ(entries(dir_), std::vector<std::string>{"status"}) << "no temporary left";
  auto back = d.read("status");
  ASSERT_TRUE(back && *back);
  EXPECT_EQ(**back, bytes_of("two, longer"));
  auto absent = d.read("absent");
  ASSERT_TRUE(absent);
  EXPECT_FALSE(*absent);
}

// A write that fails half-way (the file size limit binds root too): the old file is intact,
// the temporary is gone, and the error names the file, the step and the reason.
TEST_F(StateDirTest, FailedWriteLeavesTheOldFileAndNoTemporary) {
  StateDir d = open_ok();
  ASSERT_TRUE(d.write_atomic("status", bytes_of("old"), 0600));
  struct rlimit saved {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  struct rlimit small = saved;
  small.rlim_cur = 16;
  auto* old_handler = ::signal(SIGXFSZ, SIG_IGN);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  const Status s = d.write_atomic("status", Bytes(1000, 'x'), 0600);
  ::setrlimit(RLIMIT_FSIZE, &saved);
  ::signal(SIGXFSZ, old_handler);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.code(), Status::Code::kIoError);
  EXPECT_NE(s.message().find("write " + (dir_ / "status").string() + ": write .status."),
            std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("File too large"), std::string::npos) << s.message();
  EXPECT_EQ(contents(dir_ / "status"), "old");
  EXPECT_EQ(entries(dir_), std::vector<std::string>{"status"});
}

// Out of descriptors: the temporary cannot even be created; the old file is intact.
TEST_F(StateDirTest, FailedCreateLeavesTheOldFile) {
  StateDir d = open_ok();
  ASSERT_TRUE(d.write_atomic("status", bytes_of("old"), 0600));
  const int probe = ::dup(0);
  ASSERT_GE(probe, 0);
  ::close(probe);
  struct rlimit saved {};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  struct rlimit few = saved;
  few.rlim_cur = static_cast<rlim_t>(probe);  // every descriptor from `probe` on is refused
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &few), 0);
  const Status s = d.write_atomic("status", bytes_of("new"), 0600);
  ::setrlimit(RLIMIT_NOFILE, &saved);
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find(": create .status."), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("Too many open files"), std::string::npos) << s.message();
  EXPECT_EQ(contents(dir_ / "status"), "old");
  EXPECT_EQ(entries(dir_), std::vector<std::string>{"status"});
}

// The rename fails (a directory holds the name): the written temporary is removed, and
// what held the name is untouched.
TEST_F(StateDirTest, FailedRenameRemovesTheTemporary) {
  StateDir d = open_ok();
  fs::create_directory(dir_ / "status");
  put(dir_ / "status" / "inside", "x");
  const Status s = d.write_atomic("status", bytes_of("new"), 0600);
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find(": rename .status."), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("Is a directory"), std::string::npos) << s.message();
  EXPECT_EQ(entries(dir_), std::vector<std::string>{"status"});
  EXPECT_EQ(contents(dir_ / "status" / "inside"), "x");
}

TEST_F(StateDirTest, NamesThatAreNotPlainFileNamesAreRefused) {
  StateDir d = open_ok();
  for (const char* bad : {"", "../escape", "a/b", ".hidden", ".."}) {
    const Status s = d.write_atomic(bad, bytes_of("x"), 0600);
    ASSERT_FALSE(s) << bad;
    EXPECT_NE(s.message().find("state file name '" + std::string(bad) + "'"), std::string::npos);
    EXPECT_FALSE(d.read(bad)) << bad;
  }
  fs::create_directory(dir_ / "sub");
  auto dir_read = d.read("sub");
  ASSERT_FALSE(dir_read);
  EXPECT_EQ(dir_read.status().message(),
            "read " + (dir_ / "sub").string() + ": not a regular file");
}

}  // namespace
}  // namespace smeg::daemon

#include "daemon/hooks.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace smeg::daemon {
namespace {

HookEnvironment env() { return {"postUp", "alpha", "smeg0", "fd12::1/64"}; }

std::string temp_path(const char* tag) {
  return "/tmp/smeg_hooks_test_" + std::to_string(getpid()) + "_" + tag;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(Hooks, CommandsRunInOrderWithTheMeshInTheirEnvironment) {
  const std::string out = temp_path("order");
  std::remove(out.c_str());
  Status s = run_hook({"echo one $SMEG_HOOK $SMEG_MESH >> " + out,
                       "echo two $SMEG_INTERFACE $SMEG_ADDRESS >> " + out},
                      env());
  ASSERT_TRUE(s) << s.to_string();
  EXPECT_EQ(read_file(out), "one postUp alpha\ntwo smeg0 fd12::1/64\n");
  std::remove(out.c_str());
}

TEST(Hooks, NoCommandsIsOk) { EXPECT_TRUE(run_hook({}, env())); }

TEST(Hooks, AFailingCommandStopsTheHookAndIsNamed) {
  const std::string out = temp_path("fail");
  std::remove(out.c_str());
  Status s = run_hook({"true", "exit 3", "touch " + out}, env());
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("postUp command 2 of 3 (mesh alpha): exited with status 3"),
            std::string::npos)
      << s.message();
  EXPECT_NE(access(out.c_str(), F_OK), 0) << "the command after the failing one ran";
}

TEST(Hooks, ACommandOverTheLimitIsKilledWithWhatItStarted) {
  const auto start = std::chrono::steady_clock::now();
  Status s = run_hook({"sleep 30 & sleep 30"}, env(), std::chrono::milliseconds(200));
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("killed after 200 ms"), std::string::npos) << s.message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST(Hooks, ASignalIsReported) {
  Status s = run_hook({"kill -TERM $$"}, env());
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("killed by signal 15"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace smeg::daemon

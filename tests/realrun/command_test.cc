#include "tests/realrun/command.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace smeg::realrun {
namespace {

TEST(RunCommand, ReturnsWhatTheToolPrinted) {
  auto out = run_command({"sh", "-c", "echo out; echo err >&2"});
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  EXPECT_EQ(*out, "out\nerr\n");
}

TEST(RunCommand, AFailureNamesTheCommandItsExitAndOutput) {
  auto out = run_command({"sh", "-c", "echo no such thing; exit 3"});
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.status().message(), "sh -c echo no such thing; exit 3: exit 3: no such thing");
  auto missing = run_command({"smeg-no-such-tool-here"});
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.status().message().find("smeg-no-such-tool-here: "), std::string::npos);
}

TEST(Spawn, WritesToTheLogAndIsReaped) {
  const std::string log = ::testing::TempDir() + "/realrun_spawn.log";
  std::remove(log.c_str());
  auto pid = spawn({"sh", "-c", "echo started"}, log);
  ASSERT_TRUE(pid.is_ok()) << pid.status().message();
  EXPECT_TRUE(reap(*pid, 5000));
  std::ifstream f(log);
  std::stringstream s;
  s << f.rdbuf();
  EXPECT_EQ(s.str(), "started\n");
}

TEST(HaveTool, FindsToolsInPathAndByPath) {
  EXPECT_TRUE(have_tool("sh"));
  EXPECT_TRUE(have_tool("/bin/sh"));
  EXPECT_FALSE(have_tool("smeg-no-such-tool-here"));
  EXPECT_FALSE(have_tool("/nonexistent/sh"));
}

}  // namespace
}  // namespace smeg::realrun

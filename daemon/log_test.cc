#include "daemon/log.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace smeg::daemon {
namespace {

std::vector<std::string>* captured = nullptr;
void capture(std::string_view line) { captured->emplace_back(line); }

TEST(Log, FiltersByLevelAndNamesTheComponent) {
  std::vector<std::string> lines;
  captured = &lines;
  set_log_sink(capture);
  set_log_level(LogLevel::kWarning);
  log_info("config", "not shown");
  log_warning("config", "gRPCPort is ignored");
  log_error("api", "bind failed");
  set_log_sink(nullptr);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find(" warning config: gRPCPort is ignored\n"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find(" error api: bind failed\n"), std::string::npos);
}

TEST(Log, ParsesTheOriginalsLevels) {
  EXPECT_EQ(*parse_log_level("info"), LogLevel::kInfo);
  EXPECT_EQ(*parse_log_level("warning"), LogLevel::kWarning);
  EXPECT_EQ(*parse_log_level("error"), LogLevel::kError);
  EXPECT_EQ(*parse_log_level("debug"), LogLevel::kDebug);
  auto bad = parse_log_level("verbose");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.status().message().find("'verbose'"), std::string::npos);
}

}  // namespace
}  // namespace smeg::daemon

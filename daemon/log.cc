#include "daemon/log.h"

#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <string>

namespace smeg::daemon {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kWarning)};
std::atomic<void (*)(std::string_view)> g_sink{nullptr};

}  // namespace

Result<LogLevel> parse_log_level(std::string_view text) {
  for (LogLevel l : {LogLevel::kError, LogLevel::kWarning, LogLevel::kInfo, LogLevel::kDebug}) {
    if (text == log_level_name(l)) return l;
  }
  return Status::invalid_argument("'" + std::string(text) +
                                  "' is not a log level (error, warning, info, debug)");
}

const char* log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kError:
      return "error";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kDebug:
      return "debug";
  }
  return "?";
}

void set_log_level(LogLevel level) { g_level = static_cast<int>(level); }
LogLevel log_level() { return static_cast<LogLevel>(g_level.load()); }
bool log_enabled(LogLevel level) { return static_cast<int>(level) <= g_level.load(); }
void set_log_sink(void (*sink)(std::string_view)) { g_sink = sink; }

void log(LogLevel level, std::string_view component, std::string_view message) {
  if (!log_enabled(level)) return;
  timeval tv{};
  gettimeofday(&tv, nullptr);
  tm utc{};
  gmtime_r(&tv.tv_sec, &utc);
  char stamp[96];
  std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(tv.tv_usec / 1000));
  std::string line = std::string(stamp) + " " + log_level_name(level) + " " +
                     std::string(component) + ": " + std::string(message) + "\n";
  if (auto sink = g_sink.load()) {
    sink(line);
    return;
  }
  // One write(2) per line, so lines from several threads never interleave.
  (void)!::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace smeg::daemon

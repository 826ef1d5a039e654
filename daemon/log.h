// Logging for smegd: one line per message on stderr ("2026-11-25T06:40:01.123Z warning
// config: ..."), filtered by the level the configuration sets (logLevel). Callers build the
// message; nothing here ever formats a key or a secret, and callers must not pass one: keys
// are logged as their public half only. Thread-safe (one write per line).
#pragma once

#include <string_view>

#include "core/status.h"

namespace smeg::daemon {

enum class LogLevel { kError = 0, kWarning = 1, kInfo = 2, kDebug = 3 };

// "error", "warning", "info", "debug" (the original's logLevel values, plus debug).
Result<LogLevel> parse_log_level(std::string_view text);
const char* log_level_name(LogLevel level);

void set_log_level(LogLevel level);
LogLevel log_level();
bool log_enabled(LogLevel level);
// Where lines go (tests capture them); null restores stderr.
void set_log_sink(void (*sink)(std::string_view line));

void log(LogLevel level, std::string_view component, std::string_view message);
inline void log_error(std::string_view c, std::string_view m) { log(LogLevel::kError, c, m); }
inline void log_warning(std::string_view c, std::string_view m) { log(LogLevel::kWarning, c, m); }
inline void log_info(std::string_view c, std::string_view m) { log(LogLevel::kInfo, c, m); }
inline void log_debug(std::string_view c, std::string_view m) { log(LogLevel::kDebug, c, m); }

}  // namespace smeg::daemon

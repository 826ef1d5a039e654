// libFuzzer harness for smegd's YAML configuration (daemon/config.h parse_config): the file is
// the operator's, but a typo must give a message, never a crash. Any text must parse or fail
// with one message "fuzz.yaml:LINE: ...", and no exception (yaml-cpp throws) may escape. A
// configuration that parses has valid protocol parameters, warnings in the same form, and no
// difference from itself.
// Seed corpus: daemon/smegd.example.yaml and daemon/testdata/*.yaml.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

#include "daemon/config.h"

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "%s: %s\n", what, detail.c_str());
  std::abort();
}

// "fuzz.yaml:LINE: " with LINE a positive decimal.
bool has_file_and_line(const std::string& message) {
  constexpr std::string_view kSource = "fuzz.yaml:";
  if (message.rfind(kSource, 0) != 0) return false;
  size_t i = kSource.size();
  const size_t digits = i;
  while (i < message.size() && message[i] >= '0' && message[i] <= '9') ++i;
  return i > digits && message[digits] != '0' && message.compare(i, 2, ": ") == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  const auto parse = [&]() -> smeg::Result<smeg::daemon::Config> {
    try {
      return smeg::daemon::parse_config(yaml, "fuzz.yaml");
    } catch (const std::exception& e) {
      fail("parse_config threw", e.what());
    } catch (...) {
      fail("parse_config threw", "something that is not a std::exception");
    }
  };
  const auto config = parse();
  if (!config) {
    if (!has_file_and_line(config.status().message())) {
      fail("error without file and line", config.status().message());
    }
    return 0;
  }
  for (const std::string& warning : config->warnings) {
    if (!has_file_and_line(warning)) fail("warning without file and line", warning);
  }
  if (config->source != "fuzz.yaml") fail("source not kept", config->source);
  if (smeg::Status s = config->params.validate(); !s) fail("invalid parameters", s.message());
  if (!smeg::daemon::diff_config(*config, *config).empty()) fail("differs from itself", "");
  return 0;
}

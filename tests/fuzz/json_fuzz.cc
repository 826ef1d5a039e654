// libFuzzer harness for the JSON parser and printer (daemon/api/json.h): any input must parse
// or fail with a message (the sanitizers catch crashes, over-reads and leaks), and whatever
// parses must print to JSON that parses to an equal value and prints the same again, compact
// and pretty alike.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "daemon/api/json.h"

namespace {

void fail(const char* what, const std::string& text) {
  std::fprintf(stderr, "%s: %s\n", what, text.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto first = smeg::api::parse(input);
  if (!first.is_ok()) {
    if (first.status().message().rfind("json: offset ", 0) != 0) {
      fail("error without an offset", first.status().message());
    }
    return 0;
  }
  const std::string compact = first->dump();
  auto second = smeg::api::parse(compact);
  if (!second.is_ok()) fail("dump does not parse", second.status().message() + " in " + compact);
  if (!(*second == *first)) fail("dump parses to another value", compact);
  if (second->dump() != compact) fail("dump is not stable", compact);
  const std::string pretty = first->dump_pretty();
  auto third = smeg::api::parse(pretty);
  if (!third.is_ok()) fail("pretty dump does not parse", third.status().message());
  if (third->dump() != compact) fail("pretty dump parses to another value", pretty);
  return 0;
}

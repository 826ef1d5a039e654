// libFuzzer harness for the query language (daemon/api/query.h): any expression must compile
// or fail with a message, and whatever compiles must evaluate (or fail cleanly) within its
// budget against a small document with every kind of value.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "daemon/api/query.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const smeg::api::Json document = *smeg::api::parse(R"({
    "nodes": [{"alias": "a", "up": true, "rtt": 1.5, "routes": ["::/0", "fd00::/64"]},
              {"alias": "b", "up": false, "rtt": 20, "routes": []},
              {"alias": "c", "rtt": null, "tags": {"x": 1, "y": [1, [2, [3]]]}}],
    "mesh": {"id": "m1", "leader": "b", "size": 3}, "s": "h\u00e9", "n": -7, "e": {}})");
  const std::string_view expression(reinterpret_cast<const char*>(data), size);
  auto query = smeg::api::compile(expression);
  if (!query.is_ok()) {
    if (query.status().message().rfind("query: offset ", 0) != 0) {
      std::fprintf(stderr, "error without an offset: %s\n", query.status().message().c_str());
      std::abort();
    }
    return 0;
  }
  auto result = query->evaluate(document, 100000);
  if (result.is_ok()) {
    (void)result->dump();
  } else if (result.status().message().rfind("query: offset ", 0) != 0) {
    std::fprintf(stderr, "error without an offset: %s\n", result.status().message().c_str());
    std::abort();
  }
  return 0;
}

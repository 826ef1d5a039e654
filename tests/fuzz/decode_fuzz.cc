// libFuzzer harness for the wire decoder: any input must decode or fail cleanly (the sanitizers
// catch crashes, over-reads and leaks), and whatever decodes must be in canonical form: encoding
// it and decoding again succeeds and encodes to the same bytes.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "core/messages.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  smeg::RecordPool pool;  // declared first: outlives every record decoded below
  auto first = smeg::decode_message(std::span<const uint8_t>(data, size), pool);
  if (!first.is_ok()) {
    if (first.status().message().empty()) {
      std::fprintf(stderr, "decode failed without a message\n");
      std::abort();
    }
    return 0;
  }
  const std::vector<uint8_t> encoded = smeg::encode_message(*first);
  auto second = smeg::decode_message(encoded, pool);
  if (!second.is_ok()) {
    std::fprintf(stderr, "re-encoded %s message does not decode: %s\n",
                 smeg::message_type_name(first->header.type), second.status().to_string().c_str());
    std::abort();
  }
  if (smeg::encode_message(*second) != encoded) {
    std::fprintf(stderr, "re-encoded %s message is not canonical\n",
                 smeg::message_type_name(first->header.type));
    std::abort();
  }
  return 0;
}

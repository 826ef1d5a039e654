// libFuzzer harness for the mesh image decoder (core/image.h), which reads smegd's state files:
// any input must decode or fail cleanly with a message (the sanitizers catch crashes,
// over-reads and leaks), and whatever decodes must be in canonical form: encoding it and
// decoding again succeeds and encodes to the same bytes.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "core/image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  smeg::RecordPool pool;  // declared first: outlives every record decoded below
  auto first = smeg::decode_mesh_image(std::span<const uint8_t>(data, size), pool);
  if (!first.is_ok()) {
    if (first.status().message().empty()) {
      std::fprintf(stderr, "decode failed without a message\n");
      std::abort();
    }
    return 0;
  }
  const std::vector<uint8_t> encoded = smeg::encode_mesh_image(*first);
  auto second = smeg::decode_mesh_image(encoded, pool);
  if (!second.is_ok()) {
    std::fprintf(stderr, "re-encoded image does not decode: %s\n",
                 second.status().to_string().c_str());
    std::abort();
  }
  if (smeg::encode_mesh_image(*second) != encoded) {
    std::fprintf(stderr, "re-encoded image is not canonical\n");
    std::abort();
  }
  return 0;
}

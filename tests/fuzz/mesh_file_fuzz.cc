// libFuzzer harness for the state directory's mesh files (daemon/persisted_mesh.h
// decode_persisted_mesh): a damaged or planted file must be refused with a message, never read
// past its end or half-trusted. The first byte picks a mode: even, the rest is the file as is
// (so the checksum refuses nearly everything); odd, the rest is the body and the harness appends
// its correct checksum, so the fuzzer reaches the field decoders. Whatever decodes must pass
// check_persisted_mesh() (smegd could save it again) and encode to the very bytes it came from.
// Seed corpus: SMEG_MESH_FILE_CORPUS=DIR ./build/bin/daemon_tests
//   --gtest_filter='PersistedMesh.RoundTripsEveryField'
#include <sodium.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "daemon/persisted_mesh.h"

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "%s: %s\n", what, detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::vector<uint8_t> file(data + 1, data + size);
  if ((data[0] & 1) != 0) {
    uint8_t sum[16];
    crypto_generichash(sum, sizeof sum, file.data(), file.size(), nullptr, 0);
    file.insert(file.end(), sum, sum + sizeof sum);
  }
  smeg::RecordPool pool;  // declared first: outlives every record decoded below
  auto mesh = smeg::daemon::decode_persisted_mesh(file, pool);
  if (!mesh) {
    if (mesh.status().message().empty()) fail("refused without a message", "");
    return 0;
  }
  if (smeg::Status s = smeg::daemon::check_persisted_mesh(*mesh); !s) {
    fail("decoded a mesh that could not be saved", s.message());
  }
  if (smeg::daemon::encode_persisted_mesh(*mesh) != file) fail("not in canonical form", mesh->id);
  return 0;
}

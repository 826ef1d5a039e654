// Protocol constants of the per-mesh state machine that every node must agree on.
#include "core/mesh.h"

#include <gtest/gtest.h>

namespace smeg {
namespace {

PublicKey filled(uint8_t start, uint8_t step) {
  PublicKey k;
  for (size_t i = 0; i < k.bytes.size(); ++i) k.bytes[i] = static_cast<uint8_t>(start + step * i);
  return k;
}

// Every peer computes which peer a client attaches to when the client's own choice is not
// live for it; a change of this score would split peers' views of clients between versions.
// These values must never change.
TEST(ClientAttachScore, Golden) {
  EXPECT_EQ(client_attach_score(filled(0, 1), filled(0x80, 1)), 0xd6b707a206fabae9ULL);
  EXPECT_EQ(client_attach_score(filled(0x11, 0), filled(0x22, 0)), 0xf601c804ba4c97d7ULL);
}

TEST(ClientAttachScore, DependsOnBothKeysAndOrder) {
  const PublicKey a = filled(1, 3), b = filled(7, 5), c = filled(9, 11);
  EXPECT_NE(client_attach_score(a, b), client_attach_score(b, a));
  EXPECT_NE(client_attach_score(a, b), client_attach_score(a, c));
  EXPECT_NE(client_attach_score(a, b), client_attach_score(c, b));
}

}  // namespace
}  // namespace smeg

// PersistedMesh: what smegd keeps about one mesh it is in, so that after a restart (even a
// kill -9) it takes part again with the same secret, interface and addresses, and without a
// command: it resumes from the image if there is one, else it joins again through `bootstrap`.
//
// The bytes of one mesh file (StateDir, state_dir.h), format version 1, integers as in
// core/wire.h (big-endian fixed width, minimal LEB128 varints, strings with a varint length):
//   magic "SMGM" (u32), format version (u8)
//   mesh id (string; a valid mesh id)
//   secret (32 bytes)
//   options (core/image.h, encode_mesh_options)
//   interface name (string, at most 15 bytes; empty: none chosen yet)
//   installed routes: varint count, each as encode_prefix (core/record.h)
//   bootstrap (optional endpoint, core/record.h)
//   image: u8 0 (none) or 1, then a varint length and that many bytes of encode_mesh_image
//   checksum: the first 16 bytes of BLAKE2b over every byte before it
// The checksum is checked first, so that a damaged file (bit rot, an editor) is refused as such,
// never half-read: a flipped bit in the secret would otherwise go unnoticed, and the node would
// silently fail to talk to its mesh. Decoding is bounds-checked like the message decoders; errors
// name the field and its offset, and never contain the secret.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/image.h"

namespace smeg::daemon {

inline constexpr uint8_t kMeshFileVersion = 1;

struct PersistedMesh {
  std::string id;
  std::array<uint8_t, 32> secret{};
  MeshOptions options;
  std::string ifname;  // the WireGuard interface of this mesh
  std::vector<Prefix> installed_routes;
  std::optional<Endpoint> bootstrap;  // the control endpoint we joined through
  std::optional<MeshImage> image;     // the mesh as we last held it
};

// Limits decoding enforces.
struct MeshFileLimits {
  static constexpr size_t kIfname = 15;  // IFNAMSIZ - 1
  static constexpr size_t kInstalledRoutes = size_t{1} << 16;
};

// The mesh file's bytes. The mesh must pass check_persisted_mesh().
std::vector<uint8_t> encode_persisted_mesh(const PersistedMesh& mesh);
// The mesh in bytes, image records interned through pool. Corruption (naming the field and
// offset) or Unsupported (another format version) on bad bytes.
Result<PersistedMesh> decode_persisted_mesh(std::span<const uint8_t> bytes, RecordPool& pool);
// What a mesh must satisfy to be saved: a valid mesh id, valid options, an interface name
// the kernel would accept, an image (if any) of the same mesh. Names the bad field.
Status check_persisted_mesh(const PersistedMesh& mesh);

}  // namespace smeg::daemon

// Mesh images as bytes: what smegd keeps in its state directory so that a restarted node
// resumes its meshes (MeshImage, mesh.h; Node::resume_mesh) without a join.
//
// Format version 1. Integers as in wire.h (big-endian fixed width, minimal LEB128 varints,
// strings with a varint length):
//   magic "SMGI" (4 bytes), image format version (1 byte), wire version (1 byte: the version of
//     the record, tombstone and liveness encodings below, which are the messages' own)
//   mesh id (string; a valid mesh id, address.h)
//   options (encode_mesh_options below)
//   records: varint count, each as NodeRecord::encode; sorted by key, one per key
//   tombstones: varint count, each as encode_tombstone; sorted by key, one per key
//   liveness: LivenessView::encode (every epoch held)
// Nothing follows. A change to any part bumps kImageVersion (or kWireVersion), and a build
// refuses an image of another version as Unsupported rather than misreading it.
//
// Images come back from disk, so decoding treats them as untrusted, like messages: every
// failure is a Corruption or Unsupported status naming the field and its offset; decoding never
// crashes, over-reads, or allocates beyond what the input's length and the limits below allow.
// One image has exactly one encoding: decode(encode(decode(b))) encodes to the same bytes.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/mesh.h"

namespace smeg {

inline constexpr uint8_t kImageVersion = 1;

// Counts decoding refuses to exceed (each also capped by the bytes left).
struct ImageLimits {
  static constexpr size_t kRecords = RecordLimits::kMaxSlot;  // a member per liveness slot
  static constexpr size_t kTombstones = size_t{1} << 22;
};

// The image's bytes. Records and tombstones must be sorted by key, one per key, as
// Mesh::image() gives them.
std::vector<uint8_t> encode_mesh_image(const MeshImage& image);
// The image encoded in bytes, records interned through pool. Refuses a mesh id or options
// that Node::resume_mesh would refuse, so that whatever decodes can be resumed.
Result<MeshImage> decode_mesh_image(std::span<const uint8_t> bytes, RecordPool& pool);

// MeshOptions on their own (smegd also keeps them for a mesh it holds no image of yet):
//   role (1 byte), flags (1 byte: 1 advertise routes, 2 advertise defaults, 4 has wg_port),
//   keepalive (u16), [wg_port (u16)], wg_endpoint, control (optional endpoints, record.h),
//   alias, description (strings).
void encode_mesh_options(Writer& w, const MeshOptions& options);
// Fails the reader on bad bytes and on options that MeshOptions::validate() refuses.
MeshOptions decode_mesh_options(Reader& r);

}  // namespace smeg

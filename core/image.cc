#include "core/image.h"

#include <algorithm>
#include <cassert>
#include <string>

namespace smeg {

namespace {

constexpr uint32_t kMagic = 0x534d4749;  // "SMGI"

constexpr uint8_t kAdvertiseRoutes = 1;
constexpr uint8_t kAdvertiseDefaults = 2;
constexpr uint8_t kHasWgPort = 4;

[[maybe_unused]] bool keys_ascending(const std::vector<RecordRef>& records) {
  return std::adjacent_find(records.begin(), records.end(),
                            [](const RecordRef& a, const RecordRef& b) {
                              return !(a->key < b->key);
                            }) == records.end();
}

[[maybe_unused]] bool keys_ascending(const std::vector<Tombstone>& tombstones) {
  return std::adjacent_find(tombstones.begin(), tombstones.end(),
                            [](const Tombstone& a, const Tombstone& b) {
                              return !(a.key < b.key);
                            }) == tombstones.end();
}

}  // namespace

void encode_mesh_options(Writer& w, const MeshOptions& o) {
  w.u8(static_cast<uint8_t>(o.role));
  w.u8(static_cast<uint8_t>((o.advertise_routes ? kAdvertiseRoutes : 0) |
                            (o.advertise_defaults ? kAdvertiseDefaults : 0) |
                            (o.wg_port ? kHasWgPort : 0)));
  w.u16(o.keepalive);
  if (o.wg_port) w.u16(*o.wg_port);
  encode_endpoint(w, o.wg_endpoint);
  encode_endpoint(w, o.control);
  w.string(o.alias);
  w.string(o.description);
}

MeshOptions decode_mesh_options(Reader& r) {
  MeshOptions o;
  const size_t start = r.position();
  const uint8_t role = r.u8("options.role");
  if (role > 1) r.fail("options.role", "unknown role");
  o.role = static_cast<Role>(role);
  const uint8_t flags = r.u8("options.flags");
  if (flags > 7) r.fail("options.flags", "unknown flag");
  o.advertise_routes = (flags & kAdvertiseRoutes) != 0;
  o.advertise_defaults = (flags & kAdvertiseDefaults) != 0;
  o.keepalive = r.u16("options.keepalive");
  if (flags & kHasWgPort) o.wg_port = r.u16("options.wg_port");
  o.wg_endpoint = decode_endpoint(r, "options.wg_endpoint");
  o.control = decode_endpoint(r, "options.control");
  o.alias = r.string("options.alias", RecordLimits::kAlias);
  o.description = r.string("options.description", RecordLimits::kDescription);
  if (r.ok()) {
    if (Status s = o.validate(); !s) r.fail_at("options", s.message(), start);
  }
  return o;
}

std::vector<uint8_t> encode_mesh_image(const MeshImage& image) {
  assert(keys_ascending(image.records) && keys_ascending(image.tombstones));
  std::vector<uint8_t> out;
  Writer w(out);
  w.u32(kMagic);
  w.u8(kImageVersion);
  w.u8(kWireVersion);
  w.string(image.id);
  encode_mesh_options(w, image.options);
  w.varint(image.records.size());
  for (const RecordRef& r : image.records) r->encode(w);
  w.varint(image.tombstones.size());
  for (const Tombstone& t : image.tombstones) encode_tombstone(w, t);
  image.liveness.encode(w);
  return out;
}

Result<MeshImage> decode_mesh_image(std::span<const uint8_t> bytes, RecordPool& pool) {
  Reader r(bytes);
  const uint32_t magic = r.u32("image.magic");
  if (r.ok() && magic != kMagic) {
    r.fail_at("image.magic", "not a mesh image", 0);
  }
  const uint8_t version = r.u8("image.version");
  const uint8_t wire = r.u8("image.wire_version");
  if (!r.ok()) return r.status();
  if (version != kImageVersion) {
    return Status::unsupported("mesh image format version " + std::to_string(version) +
                               " (this build reads " + std::to_string(kImageVersion) + ")");
  }
  if (wire != kWireVersion) {
    return Status::unsupported("mesh image of wire format version " + std::to_string(wire) +
                               " (this build speaks " + std::to_string(kWireVersion) + ")");
  }

  MeshImage image;
  const size_t id_at = r.position();
  image.id = r.string("image.id", 63);
  if (r.ok()) {
    if (Status s = validate_mesh_id(image.id); !s) r.fail_at("image.id", s.message(), id_at);
  }
  image.options = decode_mesh_options(r);

  const size_t nrec = r.count("image.records", ImageLimits::kRecords, 40);
  image.records.reserve(nrec);
  for (size_t i = 0; i < nrec && r.ok(); ++i) {
    const size_t at = r.position();
    NodeRecord rec = NodeRecord::decode(r);
    if (!r.ok()) break;
    if (!image.records.empty() && !(image.records.back()->key < rec.key)) {
      r.fail_at("image.records", "keys not sorted and unique", at);
    }
    image.records.push_back(pool.intern(std::move(rec)));
  }
  const size_t ntomb = r.count("image.tombstones", ImageLimits::kTombstones, 33);
  image.tombstones.reserve(ntomb);
  for (size_t i = 0; i < ntomb && r.ok(); ++i) {
    const size_t at = r.position();
    Tombstone t = decode_tombstone(r);
    if (r.ok() && !image.tombstones.empty() && !(image.tombstones.back().key < t.key)) {
      r.fail_at("image.tombstones", "keys not sorted and unique", at);
    }
    image.tombstones.push_back(t);
  }
  image.liveness = LivenessView::decode(r);
  if (r.ok() && !r.at_end()) r.fail("image", "trailing bytes");
  if (!r.ok()) return r.status();
  return image;
}

}  // namespace smeg

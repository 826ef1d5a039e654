#include "daemon/persisted_mesh.h"

#include <sodium.h>

#include <algorithm>

namespace smeg::daemon {

namespace {

constexpr uint32_t kMagic = 0x534d474d;  // "SMGM"
constexpr size_t kChecksumBytes = 16;

std::array<uint8_t, kChecksumBytes> checksum(std::span<const uint8_t> bytes) {
  static const int init = sodium_init();  // idempotent; only picks the fastest implementations
  (void)init;
  std::array<uint8_t, kChecksumBytes> out{};
  crypto_generichash(out.data(), out.size(), bytes.data(), bytes.size(), nullptr, 0);
  return out;
}

// Linux refuses interface names with '/', ':', whitespace, or that are "." or "..".
Status check_ifname(std::string_view name) {
  if (name.size() > MeshFileLimits::kIfname) {
    return Status::invalid_argument("interface name '" + std::string(name) + "' is longer than " +
                                    std::to_string(MeshFileLimits::kIfname) + " bytes");
  }
  const bool bad_char = std::any_of(name.begin(), name.end(), [](char c) {
    return c == '/' || c == ':' || static_cast<unsigned char>(c) <= ' ' || c == 0x7f;
  });
  if (bad_char || name == "." || name == "..") {
    return Status::invalid_argument("interface name '" + std::string(name) +
                                    "' is not one Linux accepts");
  }
  return Status::ok();
}

}  // namespace

Status check_persisted_mesh(const PersistedMesh& m) {
  if (Status s = validate_mesh_id(m.id); !s) return s;
  if (Status s = m.options.validate(); !s) {
    return Status::invalid_argument("mesh " + m.id + " options: " + s.message());
  }
  if (Status s = check_ifname(m.ifname); !s) return s;
  if (m.installed_routes.size() > MeshFileLimits::kInstalledRoutes) {
    return Status::invalid_argument("mesh " + m.id + ": more than " +
                                    std::to_string(MeshFileLimits::kInstalledRoutes) +
                                    " installed routes");
  }
  if (m.image && m.image->id != m.id) {
    return Status::invalid_argument("mesh " + m.id + ": the image is of mesh " + m.image->id);
  }
  return Status::ok();
}

std::vector<uint8_t> encode_persisted_mesh(const PersistedMesh& m) {
  std::vector<uint8_t> out;
  Writer w(out);
  w.u32(kMagic);
  w.u8(kMeshFileVersion);
  w.string(m.id);
  w.array(m.secret);
  encode_mesh_options(w, m.options);
  w.string(m.ifname);
  w.varint(m.installed_routes.size());
  for (const Prefix& p : m.installed_routes) encode_prefix(w, p);
  encode_endpoint(w, m.bootstrap);
  w.u8(m.image ? 1 : 0);
  if (m.image) {
    const std::vector<uint8_t> image = encode_mesh_image(*m.image);
    w.varint(image.size());
    w.bytes(image.data(), image.size());
  }
  const auto sum = checksum(out);
  w.array(sum);
  return out;
}

Result<PersistedMesh> decode_persisted_mesh(std::span<const uint8_t> bytes, RecordPool& pool) {
  Reader r(bytes);
  const uint32_t magic = r.u32("mesh.magic");
  if (r.ok() && magic != kMagic) r.fail_at("mesh.magic", "not a smegd mesh file", 0);
  const uint8_t version = r.u8("mesh.version");
  if (!r.ok()) return r.status();
  if (version != kMeshFileVersion) {
    return Status::unsupported("mesh file format version " + std::to_string(version) +
                               " (this build reads " + std::to_string(kMeshFileVersion) + ")");
  }
  if (bytes.size() < r.position() + kChecksumBytes) {
    r.fail_at("mesh.checksum", "truncated", bytes.size());
    return r.status();
  }
  const size_t body = bytes.size() - kChecksumBytes;
  const auto sum = checksum(bytes.first(body));
  if (!std::equal(sum.begin(), sum.end(), bytes.begin() + static_cast<ptrdiff_t>(body))) {
    r.fail_at("mesh.checksum", "does not match the contents: the file is damaged", body);
    return r.status();
  }
  // From here on the fields are read from the checked body only.
  Reader b(bytes.first(body));
  b.bytes("mesh.magic", r.position());

  PersistedMesh m;
  const size_t id_at = b.position();
  m.id = b.string("mesh.id", 63);
  if (b.ok()) {
    if (Status s = validate_mesh_id(m.id); !s) b.fail_at("mesh.id", s.message(), id_at);
  }
  m.secret = b.array<32>("mesh.secret");
  m.options = decode_mesh_options(b);
  const size_t ifname_at = b.position();
  m.ifname = b.string("mesh.ifname", MeshFileLimits::kIfname);
  if (b.ok()) {
    if (Status s = check_ifname(m.ifname); !s) b.fail_at("mesh.ifname", s.message(), ifname_at);
  }
  const size_t nroutes = b.count("mesh.installed_routes", MeshFileLimits::kInstalledRoutes, 6);
  m.installed_routes.reserve(nroutes);
  for (size_t i = 0; i < nroutes && b.ok(); ++i) {
    m.installed_routes.push_back(decode_prefix(b, "mesh.installed_route"));
  }
  m.bootstrap = decode_endpoint(b, "mesh.bootstrap");
  const uint8_t has_image = b.u8("mesh.image");
  if (has_image > 1) b.fail("mesh.image", "bad presence flag");
  if (has_image == 1) {
    const size_t len = b.varint_max("mesh.image.length", b.remaining());
    const size_t image_at = b.position();
    const std::span<const uint8_t> image_bytes = b.bytes("mesh.image", len);
    if (b.ok()) {
      auto image = decode_mesh_image(image_bytes, pool);
      if (!image && image.status().code() == Status::Code::kUnsupported) {
        return Status::unsupported("mesh.image: " + image.status().message());
      }
      if (!image) {
        return Status::corruption("mesh.image (from offset " + std::to_string(image_at) +
                                  "): " + image.status().message());
      }
      if (image->id != m.id) {
        b.fail_at("mesh.image", "an image of mesh " + image->id, image_at);
      }
      m.image = std::move(*image);
    }
  }
  if (b.ok() && !b.at_end()) b.fail("mesh", "trailing bytes");
  if (!b.ok()) return b.status();
  return m;
}

}  // namespace smeg::daemon

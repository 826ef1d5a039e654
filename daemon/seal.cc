#include "daemon/seal.h"

#include <sodium.h>

#include <algorithm>
#include <cassert>

#include "core/address.h"
#include "core/messages.h"

namespace smeg::daemon {
namespace {

static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == 32);
static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES == 24);
static_assert(crypto_aead_xchacha20poly1305_ietf_ABYTES == kSealOverhead - kEnvelopeHeader);

constexpr std::string_view kKeyLabel("smegmesh seal key v1\0", 21);
constexpr std::string_view kTagLabel("smegmesh mesh tag v1\0", 21);
constexpr std::string_view kNonceLabel("smegmesh seal nonce v1\0", 23);

constexpr size_t kTagAt = 2, kSenderAt = 10, kCounterAt = 42;

// sodium_init() is idempotent and thread-safe; the static pays for it once (as core/ does).
void ensure_sodium() {
  static const int init = sodium_init();
  (void)init;  // -1 only if libsodium cannot work at all; its calls would then fail loudly.
}

const unsigned char* uchars(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// BLAKE2b of the concatenated parts, keyed (key may be empty), with out.size() bytes of output.
void blake2b(std::span<uint8_t> out, std::span<const uint8_t> key,
             std::initializer_list<std::span<const uint8_t>> parts) {
  crypto_generichash_state state;
  [[maybe_unused]] const int ok =
      crypto_generichash_init(&state, key.data(), key.size(), out.size());
  assert(ok == 0);  // fails only for sizes outside 16..64 bytes, which no caller passes
  for (auto p : parts) crypto_generichash_update(&state, p.data(), p.size());
  crypto_generichash_final(&state, out.data(), out.size());
  sodium_memzero(&state, sizeof state);
}

std::span<const uint8_t> bytes_of(std::string_view s) { return {uchars(s), s.size()}; }

std::array<uint8_t, 16> nonce_prefix(const PublicKey& sender) {
  std::array<uint8_t, 16> p{};
  blake2b(p, {}, {bytes_of(kNonceLabel), sender.bytes});
  return p;
}

std::array<uint8_t, 24> make_nonce(const std::array<uint8_t, 16>& prefix, uint64_t counter) {
  std::array<uint8_t, 24> n{};
  std::copy(prefix.begin(), prefix.end(), n.begin());
  for (size_t i = 0; i < 8; ++i) n[16 + i] = static_cast<uint8_t>(counter >> (56 - 8 * i));
  return n;
}

}  // namespace

MeshKeys derive_mesh_keys(std::string_view mesh_id, const MeshSecret& secret) {
  MeshKeys k;
  blake2b(k.aead_key, secret.bytes(), {bytes_of(kKeyLabel), bytes_of(mesh_id)});
  // BLAKE2b's shortest output is 16 bytes; the tag is the first half of it.
  std::array<uint8_t, 16> tag{};
  blake2b(tag, secret.bytes(), {bytes_of(kTagLabel), bytes_of(mesh_id)});
  std::copy_n(tag.begin(), k.tag.size(), k.tag.begin());
  return k;
}

// ---- ReplayWindow ----------------------------------------------------------------------------

bool ReplayWindow::would_accept(uint64_t counter) const {
  if (!any_ || counter > highest_) return true;
  if (highest_ - counter >= kSize) return false;  // too old to tell: refuse
  return ((bits_[(counter / 64) % kWords] >> (counter % 64)) & 1) == 0;
}

bool ReplayWindow::accept(uint64_t counter) {
  if (!would_accept(counter)) return false;
  if (!any_) {
    any_ = true;
    highest_ = counter;
  } else if (counter > highest_) {
    // Clear the words the top moves into: they hold counters older than the window now keeps.
    const uint64_t from = highest_ / 64, to = counter / 64;
    const uint64_t clear = std::min<uint64_t>(to - from, kWords);
    for (uint64_t i = 1; i <= clear; ++i) bits_[(from + i) % kWords] = 0;
    highest_ = counter;
  }
  bits_[(counter / 64) % kWords] |= uint64_t{1} << (counter % 64);
  return true;
}

// ---- Sealer ----------------------------------------------------------------------------------

const char* seal_error_name(SealError e) {
  switch (e) {
    case SealError::kNotSealed:
      return "not-sealed";
    case SealError::kUnknownMesh:
      return "unknown-mesh";
    case SealError::kBadTag:
      return "bad-tag";
    case SealError::kReplay:
      return "replay";
    case SealError::kTooLarge:
      return "too-large";
    case SealError::kHeaderMismatch:
      return "header-mismatch";
  }
  return "unknown";
}

Sealer::Sealer(const PublicKey& self, uint64_t first_counter, size_t max_senders_per_mesh)
    : self_(self),
      self_nonce_prefix_(nonce_prefix(self)),
      next_counter_(first_counter),
      max_senders_(std::max<size_t>(1, max_senders_per_mesh)) {
  ensure_sodium();
}

Sealer::Mesh::~Mesh() { sodium_memzero(keys.aead_key.data(), keys.aead_key.size()); }

Status Sealer::add_mesh(std::string_view mesh_id, const MeshSecret& secret) {
  Status valid = validate_mesh_id(mesh_id);
  if (!valid) return valid;
  if (has_mesh(mesh_id)) {
    return Status::conflict("mesh \"" + std::string(mesh_id) + "\" already has a secret");
  }
  Mesh& m = meshes_[std::string(mesh_id)];
  m.keys = derive_mesh_keys(mesh_id, secret);
  by_tag_.emplace(m.keys.tag, std::string(mesh_id));
  return Status::ok();
}

Status Sealer::remove_mesh(std::string_view mesh_id) {
  auto it = meshes_.find(mesh_id);
  if (it == meshes_.end()) return Status::not_found("no mesh \"" + std::string(mesh_id) + "\"");
  auto [first, last] = by_tag_.equal_range(it->second.keys.tag);
  for (auto t = first; t != last; ++t) {
    if (t->second == mesh_id) {
      by_tag_.erase(t);
      break;
    }
  }
  meshes_.erase(it);
  return Status::ok();
}

bool Sealer::has_mesh(std::string_view mesh_id) const { return meshes_.contains(mesh_id); }

size_t Sealer::sender_windows(std::string_view mesh_id) const {
  auto it = meshes_.find(mesh_id);
  return it == meshes_.end() ? 0 : it->second.windows.size();
}

Result<std::vector<uint8_t>> Sealer::seal(std::string_view mesh_id,
                                          std::span<const uint8_t> plaintext) {
  auto it = meshes_.find(mesh_id);
  if (it == meshes_.end()) {
    return Status::not_found("seal: no mesh \"" + std::string(mesh_id) + "\"");
  }
  if (plaintext.size() > kMaxSealedPlaintext) {
    return Status::invalid_argument("seal: message of " + std::to_string(plaintext.size()) +
                                    " bytes is too large (at most " +
                                    std::to_string(kMaxSealedPlaintext) + " fit a datagram)");
  }
  auto header = decode_message_header(plaintext);
  if (!header) {
    return Status::invalid_argument("seal: not a core message: " + header.status().message());
  }
  if (header->mesh_id != mesh_id || header->sender != self_) {
    return Status::invalid_argument(
        std::string("seal: the message header names another ") +
        (header->mesh_id != mesh_id ? "mesh \"" + header->mesh_id + "\"" : "sender") +
        " than the envelope");
  }
  if (next_counter_ == UINT64_MAX) return Status::conflict("seal: the counter is exhausted");
  const uint64_t counter = next_counter_++;

  std::vector<uint8_t> out(kSealOverhead + plaintext.size());
  out[0] = kSealMagic;
  out[1] = kSealVersion;
  std::copy(it->second.keys.tag.begin(), it->second.keys.tag.end(), out.begin() + kTagAt);
  std::copy(self_.bytes.begin(), self_.bytes.end(), out.begin() + kSenderAt);
  for (size_t i = 0; i < 8; ++i)
    out[kCounterAt + i] = static_cast<uint8_t>(counter >> (56 - 8 * i));
  const auto nonce = make_nonce(self_nonce_prefix_, counter);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      out.data() + kEnvelopeHeader, &written, plaintext.data(), plaintext.size(), out.data(),
      kEnvelopeHeader, nullptr, nonce.data(), it->second.keys.aead_key.data());
  ++stats_.sealed;
  return out;
}

Status Sealer::reject(SealError e, std::string why, SealError* reason) {
  ++stats_.rejected[static_cast<size_t>(e)];
  if (reason != nullptr) *reason = e;
  return Status::corruption(std::string(seal_error_name(e)) + ": " + why);
}

Result<Opened> Sealer::open(std::span<const uint8_t> datagram, SealError* reason) {
  if (datagram.size() > kMaxDatagram) {
    return reject(SealError::kTooLarge, std::to_string(datagram.size()) + " bytes", reason);
  }
  if (datagram.size() < kSealOverhead || datagram[0] != kSealMagic) {
    return reject(SealError::kNotSealed,
                  datagram.size() < kSealOverhead ? "too short for an envelope" : "bad magic",
                  reason);
  }
  if (datagram[1] != kSealVersion) {
    return reject(SealError::kNotSealed, "seal version " + std::to_string(datagram[1]), reason);
  }
  MeshTag tag;
  std::copy_n(datagram.begin() + kTagAt, tag.size(), tag.begin());
  auto [first, last] = by_tag_.equal_range(tag);
  if (first == last) return reject(SealError::kUnknownMesh, "no mesh has its tag", reason);

  Opened o;
  std::copy_n(datagram.begin() + kSenderAt, o.sender.bytes.size(), o.sender.bytes.begin());
  for (size_t i = 0; i < 8; ++i) o.counter = (o.counter << 8) | datagram[kCounterAt + i];
  const auto nonce = make_nonce(nonce_prefix(o.sender), o.counter);
  o.plaintext.resize(datagram.size() - kSealOverhead);
  Mesh* mesh = nullptr;
  for (auto t = first; t != last && mesh == nullptr; ++t) {
    Mesh& candidate = meshes_.find(t->second)->second;
    unsigned long long len = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            o.plaintext.data(), &len, nullptr, datagram.data() + kEnvelopeHeader,
            datagram.size() - kEnvelopeHeader, datagram.data(), kEnvelopeHeader, nonce.data(),
            candidate.keys.aead_key.data()) == 0) {
      mesh = &candidate;
      o.mesh_id = t->second;
    }
  }
  if (mesh == nullptr) return reject(SealError::kBadTag, "authentication failed", reason);

  // Authentic from here on: the datagram was sealed by a holder of the mesh's secret.
  auto header = decode_message_header(o.plaintext);
  if (!header) return reject(SealError::kHeaderMismatch, header.status().message(), reason);
  if (header->mesh_id != o.mesh_id || header->sender != o.sender) {
    return reject(SealError::kHeaderMismatch,
                  header->mesh_id != o.mesh_id ? "the inner header names another mesh"
                                               : "the inner header names another sender",
                  reason);
  }
  if (o.sender == self_) {
    return reject(SealError::kReplay, "a datagram under this node's own key", reason);
  }
  if (!accept_counter(*mesh, o.sender, o.counter)) {
    return reject(SealError::kReplay,
                  "counter " + std::to_string(o.counter) + " from " + o.sender.to_base64() +
                      " seen or too old",
                  reason);
  }
  ++stats_.opened;
  return o;
}

bool Sealer::accept_counter(Mesh& mesh, const PublicKey& sender, uint64_t counter) {
  auto it = mesh.windows.find(sender);
  if (it != mesh.windows.end()) {
    if (!it->second.window.accept(counter)) return false;
    mesh.recency.splice(mesh.recency.begin(), mesh.recency, it->second.recency);
    return true;
  }
  if (mesh.windows.size() >= max_senders_) {
    mesh.windows.erase(mesh.recency.back());
    mesh.recency.pop_back();
    ++stats_.windows_evicted;
  }
  mesh.recency.push_front(sender);
  SenderWindow& w = mesh.windows[sender];
  w.recency = mesh.recency.begin();
  return w.window.accept(counter);
}

}  // namespace smeg::daemon

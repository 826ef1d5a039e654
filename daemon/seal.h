// Sealed control datagrams: every UDP datagram smegd sends is a core message (core/messages.h)
// encrypted and authenticated under a key derived from its mesh's secret, so that a non-member
// can neither read nor inject nor replay one.
//
// Key schedule (BLAKE2b keyed with the 32-byte secret, over a label and the mesh id, so one secret
// reused for two meshes gives unrelated keys):
//   aead key = BLAKE2b-256(key = secret, "smegmesh seal key v1\0" || mesh id)
//   mesh tag = BLAKE2b-128(key = secret, "smegmesh mesh tag v1\0" || mesh id), first 8 bytes
// The tag is sent in the clear so a receiver finds a datagram's mesh without trying every key;
// it is a keyed hash, so a non-member learns from it only that two datagrams share a mesh.
//
// Envelope, byte by byte (kEnvelopeHeader = 50 bytes, then the ciphertext):
//   [0]       kSealMagic 0xa7: never the first byte of a bare core message (kWireVersion, 1), so
//             an unsealed message is kNotSealed rather than a failed tag
//   [1]       kSealVersion 1
//   [2, 10)   mesh tag
//   [10, 42)  sender public key (the core's smeg::PublicKey)
//   [42, 50)  counter, big-endian
//   [50, n)   XChaCha20-Poly1305-IETF ciphertext of the core message, then its 16-byte tag; the
//             associated data is bytes [0, 50)
// The 24-byte nonce is not sent: it is BLAKE2b-128("smegmesh seal nonce v1\0" || sender) followed
// by the counter, big-endian. Distinct senders have distinct prefixes (but for a 2^-128 chance),
// and one sender's counter only increases, so a nonce never repeats under a mesh's key, provided
// a node never reuses a counter: smegd starts its counter at the realtime clock in nanoseconds,
// above anything it sent before the restart (unless the clock was stepped back; peers then drop
// its datagrams as replays until the counter passes what they saw).
//
// In the clear: the mesh tag, the sender key and the counter, so an observer learns who sends
// how much, and from the counter roughly when that smegd started.
//
// What the seal does NOT prove: which member sent a datagram. Every member holds the secret and
// could write any sender key; the envelope's sender is only checked to match the inner header.
//
// Replay: per (mesh, sender) a ReplayWindow accepts each counter once and refuses counters more
// than ReplayWindow::kSize below the highest seen. It is consulted and updated only after the tag
// verified, so forged datagrams can neither advance it nor create windows.
//
// Not thread-safe: smegd uses one Sealer from its protocol thread.
#pragma once

#include <array>
#include <cstdint>
#include <list>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/identity.h"
#include "core/status.h"
#include "daemon/mesh_secret.h"

namespace smeg::daemon {

using MeshTag = std::array<uint8_t, 8>;

// The keys of one mesh, derived as the header says.
struct MeshKeys {
  std::array<uint8_t, 32> aead_key{};
  MeshTag tag{};
};
MeshKeys derive_mesh_keys(std::string_view mesh_id, const MeshSecret& secret);

inline constexpr uint8_t kSealMagic = 0xa7;
inline constexpr uint8_t kSealVersion = 1;
inline constexpr size_t kEnvelopeHeader = 50;
inline constexpr size_t kSealOverhead = kEnvelopeHeader + 16;  // header + Poly1305 tag
// The largest UDP payload over IPv4 (65535 - 8 UDP - 20 IP): no sealed datagram is longer.
inline constexpr size_t kMaxDatagram = 65507;
inline constexpr size_t kMaxSealedPlaintext = kMaxDatagram - kSealOverhead;

// Which counters of one sender were seen: the highest, and a bitmap of the kSize below it
// (RFC 6479: a ring of 64-bit words, whole words cleared as the window slides, so a jump costs at
// most one pass over the ring). About 280 bytes.
class ReplayWindow {
 public:
  static constexpr uint64_t kSize = 2048;

  // True if counter is new and recent enough; it is then remembered.
  bool accept(uint64_t counter);
  // The same test without remembering (for callers that must look before they commit).
  bool would_accept(uint64_t counter) const;

 private:
  static constexpr size_t kWords = kSize / 64 + 1;  // one spare word cleared ahead of the top
  bool any_ = false;                                // no counter seen yet: all are acceptable
  uint64_t highest_ = 0;
  std::array<uint64_t, kWords> bits_{};  // bit c % 64 of word (c / 64) % kWords: counter c seen
};

// Why open() refused a datagram. Counted per reason (Sealer::stats) for smegd's metrics.
enum class SealError : uint8_t {
  kNotSealed,       // shorter than an envelope, or not our magic/version
  kUnknownMesh,     // no mesh of ours has its tag
  kBadTag,          // authentication failed: a non-member, another secret, or corruption
  kReplay,          // authentic, but its counter was seen already or is too old
  kTooLarge,        // longer than kMaxDatagram
  kHeaderMismatch,  // authentic, but the inner message's header names another mesh or sender
};
inline constexpr size_t kSealErrorCount = 6;
// "not-sealed", "unknown-mesh", "bad-tag", "replay", "too-large", "header-mismatch".
const char* seal_error_name(SealError e);

struct Opened {
  std::string mesh_id;
  PublicKey sender;
  uint64_t counter = 0;
  std::vector<uint8_t> plaintext;  // the core message
};

struct SealStats {
  uint64_t sealed = 0;
  uint64_t opened = 0;
  std::array<uint64_t, kSealErrorCount> rejected{};  // indexed by SealError
  uint64_t windows_evicted = 0;                      // see Sealer's window cap

  uint64_t rejections(SealError e) const { return rejected[static_cast<size_t>(e)]; }
};

// All of one node's meshes: seals what it sends and opens what it receives.
//
// Memory is bounded: each mesh keeps at most max_senders_per_mesh replay windows (~420 bytes
// each with its map and list nodes, so ~27 MiB at the default cap). At the cap, the window of the
// sender heard least recently is dropped to make room (stats().windows_evicted counts it). That
// sender's next datagram starts a fresh window, so its datagrams from before the eviction could be
// replayed once each; refusing new senders instead would let one member that invents sender keys
// lock joiners out. Windows are only made for authentic datagrams, so only members (holders of the
// secret) can fill them.
class Sealer {
 public:
  static constexpr size_t kMaxSendersPerMesh = 65536;

  // self: this node's key, the sender of everything it seals. first_counter: the counter of the
  // first datagram sealed; each later one takes the next, across all meshes (one counter per
  // node, so leaving and rejoining a mesh never reuses a nonce).
  Sealer(const PublicKey& self, uint64_t first_counter,
         size_t max_senders_per_mesh = kMaxSendersPerMesh);
  Sealer(const Sealer&) = delete;  // two copies would seal with the same counters
  Sealer& operator=(const Sealer&) = delete;
  Sealer(Sealer&&) = default;
  Sealer& operator=(Sealer&&) = default;

  // Fails (naming the mesh id) if the id is invalid or already added.
  Status add_mesh(std::string_view mesh_id, const MeshSecret& secret);
  // Forgets the mesh, its key and its replay windows. Not found if absent.
  Status remove_mesh(std::string_view mesh_id);
  bool has_mesh(std::string_view mesh_id) const;

  // Seals a core message whose header names mesh_id and this node. Fails for an unknown mesh,
  // a plaintext longer than kMaxSealedPlaintext, a header naming another mesh or sender, or when
  // the counter is exhausted (it never reaches 2^64 - 1).
  Result<std::vector<uint8_t>> seal(std::string_view mesh_id, std::span<const uint8_t> plaintext);
  // Authenticates and decrypts a received datagram, checks replay and that the inner header
  // names the envelope's mesh and sender. On failure the status names the reason, and *reason
  // (if given) is set to it. Datagrams this node sealed itself are replays.
  Result<Opened> open(std::span<const uint8_t> datagram, SealError* reason = nullptr);

  const SealStats& stats() const { return stats_; }
  // Replay windows the mesh holds (tests and metrics).
  size_t sender_windows(std::string_view mesh_id) const;

 private:
  struct SenderWindow {
    ReplayWindow window;
    std::list<PublicKey>::iterator recency;  // position in Mesh::recency
  };
  struct Mesh {
    Mesh() = default;
    Mesh(const Mesh&) = delete;
    Mesh& operator=(const Mesh&) = delete;
    ~Mesh();  // zeroes the key
    MeshKeys keys;
    std::map<PublicKey, SenderWindow> windows;
    std::list<PublicKey> recency;  // senders, most recently heard first
  };

  Status reject(SealError e, std::string why, SealError* reason);
  // Accepts counter for sender in mesh, making (and maybe evicting) a window as needed.
  bool accept_counter(Mesh& mesh, const PublicKey& sender, uint64_t counter);

  PublicKey self_;
  std::array<uint8_t, 16> self_nonce_prefix_{};
  uint64_t next_counter_;
  size_t max_senders_;
  std::map<std::string, Mesh, std::less<>> meshes_;
  // Tag -> mesh ids. Two of a node's meshes share a tag with probability 2^-64; open() then
  // tries each of their keys rather than refusing the second mesh.
  std::multimap<MeshTag, std::string> by_tag_;
  SealStats stats_;
};

}  // namespace smeg::daemon

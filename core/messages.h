// The control-plane messages and their versioned binary encoding.
//
// Every message starts with a header: format version (1 byte), type (1 byte), mesh id, sender
// key. Decoding untrusted bytes returns an error naming the field and offset; it never crashes,
// over-reads, or allocates beyond what the input's length and the protocol limits allow.
//
// Anti-entropy is a push-pull exchange that costs 8 bytes of summary when nothing changed:
//   A -> B  Sync      (A's summary + liveness)            every syncInterval, to `branch` targets
//   B -> A  SyncReply (B's liveness)                      only if A lacks epochs or bits B has
//   B -> A  Buckets   (B's 64 bucket summaries)           only if the summaries differ
//   A -> B  Digest    (A's per-node versions, differing buckets only)
//   B -> A  Delta     (what B has newer) + wanted keys    (B learns what A has newer)
//   A -> B  Delta     (the wanted records)
// Push gossip sends Delta with the records that changed recently. A joiner sends JoinRequest
// with its record to any member and receives the full state once, as Snapshot chunks.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "core/liveness.h"
#include "core/state.h"

namespace smeg {

inline constexpr uint8_t kWireVersion = 1;

enum class MessageType : uint8_t {
  kJoinRequest = 1,
  kSnapshot = 2,
  kSync = 3,
  kSyncReply = 4,
  kBuckets = 5,
  kDigest = 6,
  kDelta = 7,
};
const char* message_type_name(MessageType t);

struct MessageHeader {
  MessageType type = MessageType::kSync;
  std::string mesh_id;
  PublicKey sender;
};

struct JoinRequestMsg {
  RecordRef record;  // the joiner's own record
};

struct SyncMsg {
  uint64_t summary = 0;
  uint32_t members = 0;
  LivenessView liveness;
};

struct BucketsMsg {
  MeshState::BucketSummaries buckets{};
};

struct DigestMsg {
  uint64_t bucket_mask = 0;
  std::vector<DigestEntry> entries;  // sorted by key, all within bucket_mask
};

// Records and tombstones; also the body of Snapshot chunks (with liveness in the last chunk).
struct DeltaMsg {
  std::vector<RecordRef> records;
  std::vector<Tombstone> tombstones;
  std::vector<PublicKey> wanted;  // keys the sender wants back (anti-entropy)
  bool push = false;              // push gossip: fresh news the receiver should spread on
  bool has_liveness = false;
  LivenessView liveness;
  // Snapshots (every chunk, with the liveness view): a liveness slot the sender found free for the
  // joiner (kNoSlot: none). The sender holds every record, suspected members' included; a joiner
  // choosing from the chunks it happened to receive took the slot of a pruned member whose
  // record was in a lost chunk, and its bits brought that member back for everyone.
  uint32_t slot = RecordLimits::kNoSlot;
};

struct Message {
  using Body = std::variant<JoinRequestMsg, SyncMsg, BucketsMsg, DigestMsg, DeltaMsg>;
  MessageHeader header;
  Body body;
};

// Protocol limits on counts in one message (decoding refuses more).
struct MessageLimits {
  static constexpr size_t kRecords = 1 << 16;
  static constexpr size_t kDigestEntries = 1 << 17;
  static constexpr size_t kWanted = 1 << 17;
};

std::vector<uint8_t> encode_message(const Message& m);
// Appends to out (so a driver can reuse a buffer); returns the encoded size.
size_t encode_message(const Message& m, std::vector<uint8_t>& out);
// Decodes records through pool (interning). Any failure is a Corruption/Unsupported status.
Result<Message> decode_message(std::span<const uint8_t> bytes, RecordPool& pool);
// Only the header (version, type, mesh id, sender), ignoring what follows it: a cheap look at who
// claims to send a message and for which mesh. Fails as decode_message does on a bad header; a
// body is not checked, so success does not mean decode_message will succeed.
Result<MessageHeader> decode_message_header(std::span<const uint8_t> bytes);

}  // namespace smeg

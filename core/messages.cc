#include "core/messages.h"

namespace smeg {

const char* message_type_name(MessageType t) {
  switch (t) {
    case MessageType::kJoinRequest:
      return "join-request";
    case MessageType::kSnapshot:
      return "snapshot";
    case MessageType::kSync:
      return "sync";
    case MessageType::kSyncReply:
      return "sync-reply";
    case MessageType::kBuckets:
      return "buckets";
    case MessageType::kDigest:
      return "digest";
    case MessageType::kDelta:
      return "delta";
  }
  return "unknown";
}

namespace {

bool is_delta_type(MessageType t) {
  return t == MessageType::kDelta || t == MessageType::kSnapshot;
}
bool is_sync_type(MessageType t) { return t == MessageType::kSync || t == MessageType::kSyncReply; }

void encode_body(Writer& w, const JoinRequestMsg& m) { m.record->encode(w); }

void encode_body(Writer& w, const SyncMsg& m) {
  w.u64(m.summary);
  w.varint(m.members);
  m.liveness.encode(w);
}

void encode_body(Writer& w, const BucketsMsg& m) {
  for (uint64_t b : m.buckets) w.u64(b);
}

void encode_body(Writer& w, const DigestMsg& m) {
  w.u64(m.bucket_mask);
  w.varint(m.entries.size());
  for (const auto& e : m.entries) {
    w.array(e.key.bytes);
    w.varint(e.record_version);
    w.varint(e.tombstone_version);
  }
}

void encode_body(Writer& w, const DeltaMsg& m) {
  const bool has_slot = m.slot < RecordLimits::kMaxSlot;
  w.varint(m.records.size());
  for (const auto& r : m.records) r->encode(w);
  w.varint(m.tombstones.size());
  for (const auto& t : m.tombstones) encode_tombstone(w, t);
  w.varint(m.wanted.size());
  for (const auto& k : m.wanted) w.array(k.bytes);
  w.u8(static_cast<uint8_t>((m.has_liveness ? 1 : 0) | (m.push ? 2 : 0) | (has_slot ? 4 : 0)));
  if (m.has_liveness) m.liveness.encode(w);
  if (has_slot) w.varint(m.slot);
}

JoinRequestMsg decode_join(Reader& r, RecordPool& pool) {
  NodeRecord rec = NodeRecord::decode(r);
  if (!r.ok()) return {};
  return {pool.intern(std::move(rec))};
}

SyncMsg decode_sync(Reader& r) {
  SyncMsg m;
  m.summary = r.u64("sync.summary");
  m.members = static_cast<uint32_t>(r.varint_max("sync.members", RecordLimits::kMaxSlot));
  m.liveness = LivenessView::decode(r);
  return m;
}

BucketsMsg decode_buckets(Reader& r) {
  BucketsMsg m;
  for (auto& b : m.buckets) b = r.u64("buckets.summary");
  return m;
}

DigestMsg decode_digest(Reader& r) {
  DigestMsg m;
  m.bucket_mask = r.u64("digest.mask");
  const size_t n = r.count("digest.entries", MessageLimits::kDigestEntries, 34);
  m.entries.reserve(n);
  for (size_t i = 0; i < n && r.ok(); ++i) {
    DigestEntry e;
    e.key.bytes = r.array<32>("digest.key");
    e.record_version = r.varint("digest.record_version");
    e.tombstone_version = r.varint("digest.tombstone_version");
    if (!r.ok()) break;
    if (!m.entries.empty() && !(m.entries.back().key < e.key)) {
      r.fail("digest.entries", "keys not sorted and unique");
    } else if (!((m.bucket_mask >> MeshState::bucket_of(e.key)) & 1)) {
      r.fail("digest.entries", "key outside the bucket mask");
    }
    m.entries.push_back(e);
  }
  return m;
}

DeltaMsg decode_delta(Reader& r, RecordPool& pool) {
  DeltaMsg m;
  const size_t nrec = r.count("delta.records", MessageLimits::kRecords, 40);
  m.records.reserve(nrec);
  for (size_t i = 0; i < nrec && r.ok(); ++i) {
    NodeRecord rec = NodeRecord::decode(r);
    if (!r.ok()) break;
    m.records.push_back(pool.intern(std::move(rec)));
  }
  const size_t ntomb = r.count("delta.tombstones", MessageLimits::kRecords, 33);
  for (size_t i = 0; i < ntomb && r.ok(); ++i) m.tombstones.push_back(decode_tombstone(r));
  const size_t nwanted = r.count("delta.wanted", MessageLimits::kWanted, 32);
  for (size_t i = 0; i < nwanted && r.ok(); ++i) {
    PublicKey k;
    k.bytes = r.array<32>("delta.wanted.key");
    m.wanted.push_back(k);
  }
  const uint8_t flags = r.u8("delta.flags");
  if (flags > 7) r.fail("delta.flags", "unknown flag");
  m.has_liveness = (flags & 1) != 0;
  m.push = (flags & 2) != 0;
  if (m.has_liveness) m.liveness = LivenessView::decode(r);
  if (flags & 4) {
    m.slot = static_cast<uint32_t>(r.varint_max("delta.slot", RecordLimits::kMaxSlot - 1));
  }
  return m;
}

// The header every message starts with; the one reading of it, shared by decode_message and
// decode_message_header. Leaves r just past the sender key.
Status decode_header(Reader& r, MessageHeader& h) {
  const uint8_t version = r.u8("header.version");
  if (r.ok() && version != kWireVersion) {
    return Status::unsupported("wire format version " + std::to_string(version) +
                               " (this build speaks " + std::to_string(kWireVersion) + ")");
  }
  const uint8_t type = r.u8("header.type");
  if (r.ok() && (type < 1 || type > 7)) r.fail("header.type", "unknown message type");
  h.type = static_cast<MessageType>(type);
  h.mesh_id = r.string("header.mesh_id", 63);
  h.sender.bytes = r.array<32>("header.sender");
  return r.status();
}

}  // namespace

size_t encode_message(const Message& m, std::vector<uint8_t>& out) {
  const size_t start = out.size();
  Writer w(out);
  w.u8(kWireVersion);
  w.u8(static_cast<uint8_t>(m.header.type));
  w.string(m.header.mesh_id);
  w.array(m.header.sender.bytes);
  std::visit([&](const auto& body) { encode_body(w, body); }, m.body);
  return out.size() - start;
}

std::vector<uint8_t> encode_message(const Message& m) {
  std::vector<uint8_t> out;
  encode_message(m, out);
  return out;
}

Result<MessageHeader> decode_message_header(std::span<const uint8_t> bytes) {
  Reader r(bytes);
  MessageHeader h;
  Status s = decode_header(r, h);
  if (!s) return s;
  return h;
}

Result<Message> decode_message(std::span<const uint8_t> bytes, RecordPool& pool) {
  Reader r(bytes);
  Message m;
  Status s = decode_header(r, m.header);
  if (!s) return s;
  const MessageType t = m.header.type;
  if (t == MessageType::kJoinRequest) {
    m.body = decode_join(r, pool);
  } else if (is_sync_type(t)) {
    m.body = decode_sync(r);
  } else if (t == MessageType::kBuckets) {
    m.body = decode_buckets(r);
  } else if (t == MessageType::kDigest) {
    m.body = decode_digest(r);
  } else if (is_delta_type(t)) {
    m.body = decode_delta(r, pool);
  }
  s = r.finish();
  if (!s) return s;
  if (t == MessageType::kJoinRequest &&
      std::get<JoinRequestMsg>(m.body).record->key != m.header.sender) {
    return Status::corruption("join-request: record key differs from the sender");
  }
  return m;
}

}  // namespace smeg

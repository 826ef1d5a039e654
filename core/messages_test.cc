#include "core/messages.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/rng.h"

namespace smeg {
namespace {

using Bytes = std::vector<uint8_t>;

PublicKey key(uint8_t first, uint8_t last = 0) {
  PublicKey k;
  k.bytes[0] = first;
  k.bytes[31] = last;
  return k;
}

IpAddr v6(uint8_t first, uint8_t last) {
  std::array<uint8_t, 16> b{};
  b[0] = first;
  b[15] = last;
  return IpAddr::v6(b);
}

Bitmap bits(std::initializer_list<uint32_t> set) {
  Bitmap b;
  for (uint32_t bit : set) b.set(bit);
  return b;
}

// A record with every field set: v6 control and v4 WireGuard endpoints, services, routes.
NodeRecord full_record(const PublicKey& k, uint64_t version) {
  NodeRecord r;
  r.key = k;
  r.version = version;
  r.role = Role::kClient;
  r.slot = 77;
  r.address_attempt = 2;
  r.control = Endpoint{v6(0xfd, 1), 7946};
  r.wg_endpoint = Endpoint{IpAddr::v4(192, 0, 2, 10), 51820};
  r.keepalive = 25;
  r.alias = "alice";
  r.description = "laptop in the kitchen";
  r.services = {{"http", "8080"}, {"ssh", "22"}};
  r.routes.push_back({*Prefix::make(IpAddr::v4(10, 1, 0, 0), 16), {}});
  r.routes.push_back({*Prefix::make(v6(0xfd, 0), 8), {"mesh-b", "mesh-c"}});
  r.routes.push_back({Prefix::default_route_v6(), {"exit"}});
  std::sort(r.routes.begin(), r.routes.end());
  return r;
}

// A record with only the required fields.
NodeRecord bare_record(const PublicKey& k, uint64_t version) {
  NodeRecord r;
  r.key = k;
  r.version = version;
  return r;
}

LivenessView liveness() {
  LivenessView v;
  v.epoch = 41;
  v.leader = key(2);
  v.recent.push_back({41, bits({0, 3, 77})});
  Bitmap nearly_full;
  for (uint32_t i = 0; i < 300; ++i) {
    if (i != 5) nearly_full.set(i);
  }
  v.recent.push_back({40, nearly_full});
  return v;
}

const PublicKey kSender = key(0x11, 0x22);

Message with(MessageType type, Message::Body body) {
  return Message{{type, "testmesh", kSender}, std::move(body)};
}

Message join_request() {
  return with(MessageType::kJoinRequest, JoinRequestMsg{RecordRef::make(full_record(kSender, 3))});
}

DeltaMsg delta_body(bool push, bool has_liveness) {
  DeltaMsg d;
  d.records.push_back(RecordRef::make(full_record(key(5), 9)));
  d.records.push_back(RecordRef::make(bare_record(key(6), 1)));
  d.tombstones.push_back({key(7), 4});
  d.tombstones.push_back({key(8), uint64_t{1} << 40});
  d.wanted.push_back(key(9));
  d.wanted.push_back(key(10, 1));
  d.push = push;
  d.has_liveness = has_liveness;
  if (has_liveness) d.liveness = liveness();
  return d;
}

Message snapshot() {
  DeltaMsg d = delta_body(false, true);
  d.slot = 12345;  // the chunk with the view offers the joiner a free slot
  return with(MessageType::kSnapshot, std::move(d));
}
Message delta(bool push, bool has_liveness) {
  return with(MessageType::kDelta, delta_body(push, has_liveness));
}

Message sync(MessageType type = MessageType::kSync) {
  return with(type, SyncMsg{0x0123456789abcdefULL, 1234, liveness()});
}

Message buckets() {
  BucketsMsg b;
  for (size_t i = 0; i < b.buckets.size(); ++i) b.buckets[i] = mix64(i);
  return with(MessageType::kBuckets, b);
}

Message digest() {
  DigestMsg d;
  d.bucket_mask = (uint64_t{1} << 3) | (uint64_t{1} << 5);
  d.entries.push_back({key(3), 7, 0});
  d.entries.push_back({key(3, 9), 0, 2});
  d.entries.push_back({key(5), 1, 1});
  d.entries.push_back({key(64 + 5), ~uint64_t{0}, 5});  // bucket 5 too
  return with(MessageType::kDigest, d);
}

std::vector<Message> samples() {
  return {join_request(),
          snapshot(),
          sync(),
          sync(MessageType::kSyncReply),
          buckets(),
          digest(),
          delta(false, false),
          delta(true, false),
          delta(false, true),
          delta(true, true),
          with(MessageType::kDelta, DeltaMsg{}),
          with(MessageType::kDigest, DigestMsg{})};
}

// ---- Field-by-field equality ---------------------------------------------------------------

::testing::AssertionResult same_liveness(const LivenessView& a, const LivenessView& b) {
  if (a.epoch != b.epoch || a.leader != b.leader || a.recent.size() != b.recent.size()) {
    return ::testing::AssertionFailure() << "liveness header differs";
  }
  for (size_t i = 0; i < a.recent.size(); ++i) {
    if (a.recent[i].epoch != b.recent[i].epoch || !(a.recent[i].bits == b.recent[i].bits)) {
      return ::testing::AssertionFailure() << "liveness epoch " << i << " differs";
    }
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult same_records(const std::vector<RecordRef>& a,
                                        const std::vector<RecordRef>& b) {
  if (a.size() != b.size()) return ::testing::AssertionFailure() << "record count differs";
  for (size_t i = 0; i < a.size(); ++i) {
    if (!a[i]->same_content(*b[i])) return ::testing::AssertionFailure() << "record " << i;
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult same_message(const Message& a, const Message& b) {
  if (a.header.type != b.header.type) return ::testing::AssertionFailure() << "type differs";
  if (a.header.mesh_id != b.header.mesh_id) return ::testing::AssertionFailure() << "mesh id";
  if (a.header.sender != b.header.sender) return ::testing::AssertionFailure() << "sender";
  if (a.body.index() != b.body.index()) return ::testing::AssertionFailure() << "body kind";
  if (auto* x = std::get_if<JoinRequestMsg>(&a.body)) {
    const auto& y = std::get<JoinRequestMsg>(b.body);
    if (!x->record->same_content(*y.record)) return ::testing::AssertionFailure() << "record";
  } else if (auto* s = std::get_if<SyncMsg>(&a.body)) {
    const auto& t = std::get<SyncMsg>(b.body);
    if (s->summary != t.summary || s->members != t.members) {
      return ::testing::AssertionFailure() << "sync fields";
    }
    return same_liveness(s->liveness, t.liveness);
  } else if (auto* bu = std::get_if<BucketsMsg>(&a.body)) {
    if (bu->buckets != std::get<BucketsMsg>(b.body).buckets) {
      return ::testing::AssertionFailure() << "buckets";
    }
  } else if (auto* d = std::get_if<DigestMsg>(&a.body)) {
    const auto& e = std::get<DigestMsg>(b.body);
    if (d->bucket_mask != e.bucket_mask || d->entries != e.entries) {
      return ::testing::AssertionFailure() << "digest";
    }
  } else {
    const auto& p = std::get<DeltaMsg>(a.body);
    const auto& q = std::get<DeltaMsg>(b.body);
    if (p.tombstones != q.tombstones || p.wanted != q.wanted || p.push != q.push ||
        p.has_liveness != q.has_liveness || p.slot != q.slot) {
      return ::testing::AssertionFailure() << "delta fields";
    }
    auto r = same_records(p.records, q.records);
    if (!r) return r;
    if (p.has_liveness) return same_liveness(p.liveness, q.liveness);
  }
  return ::testing::AssertionSuccess();
}

// If bytes decode, their re-encoding decodes to the same message and encodes identically.
::testing::AssertionResult canonical_if_ok(const Bytes& bytes, RecordPool& pool) {
  auto first = decode_message(bytes, pool);
  if (!first.is_ok()) {
    if (first.status().message().empty()) {
      return ::testing::AssertionFailure() << "error without a message";
    }
    return ::testing::AssertionSuccess();
  }
  const Bytes again = encode_message(*first);
  auto second = decode_message(again, pool);
  if (!second.is_ok()) {
    return ::testing::AssertionFailure() << "re-encoding fails: " << second.status().to_string();
  }
  auto same = same_message(*first, *second);
  if (!same) return same;
  if (encode_message(*second) != again) return ::testing::AssertionFailure() << "not canonical";
  return ::testing::AssertionSuccess();
}

Bytes header(MessageType type) {
  Bytes out;
  Writer w(out);
  w.u8(kWireVersion);
  w.u8(static_cast<uint8_t>(type));
  w.string("m");
  w.array(kSender.bytes);
  return out;
}

// ---- Round trips -----------------------------------------------------------------------------

TEST(Messages, RoundTripEveryType) {
  RecordPool pool;
  for (const Message& m : samples()) {
    const Bytes enc = encode_message(m);
    auto back = decode_message(enc, pool);
    ASSERT_TRUE(back.is_ok()) << message_type_name(m.header.type) << ": "
                              << back.status().to_string();
    EXPECT_TRUE(same_message(m, *back)) << message_type_name(m.header.type);
    EXPECT_EQ(encode_message(*back), enc);
  }
}

TEST(Messages, RoundTripKeepsEveryRecordField) {
  RecordPool pool;
  const Message m = join_request();
  auto back = decode_message(encode_message(m), pool);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  const NodeRecord& r = *std::get<JoinRequestMsg>(back->body).record;
  const NodeRecord expected = full_record(kSender, 3);
  EXPECT_EQ(r.key, kSender);
  EXPECT_EQ(r.version, 3u);
  EXPECT_EQ(r.role, Role::kClient);
  EXPECT_EQ(r.slot, 77u);
  EXPECT_EQ(r.address_attempt, 2u);
  ASSERT_TRUE(r.control.has_value());
  EXPECT_TRUE(r.control->addr.is_v6());
  EXPECT_EQ(r.control, expected.control);
  ASSERT_TRUE(r.wg_endpoint.has_value());
  EXPECT_FALSE(r.wg_endpoint->addr.is_v6());
  EXPECT_EQ(r.wg_endpoint, expected.wg_endpoint);
  EXPECT_EQ(r.keepalive, 25);
  EXPECT_EQ(r.alias, "alice");
  EXPECT_EQ(r.description, "laptop in the kitchen");
  EXPECT_EQ(r.services, expected.services);
  ASSERT_EQ(r.routes.size(), 3u);
  EXPECT_EQ(r.routes, expected.routes);
  EXPECT_EQ(back->header.mesh_id, "testmesh");
}

TEST(Messages, AppendingEncoderReturnsSize) {
  Bytes buf{0xaa};
  const size_t n = encode_message(sync(), buf);
  EXPECT_EQ(buf.size(), n + 1);
  EXPECT_EQ(Bytes(buf.begin() + 1, buf.end()), encode_message(sync()));
}

TEST(Messages, DecodingInternsRecords) {
  RecordPool pool;
  const Bytes enc = encode_message(delta(false, false));
  auto a = decode_message(enc, pool);
  auto b = decode_message(enc, pool);
  ASSERT_TRUE(a.is_ok() && b.is_ok());
  EXPECT_EQ(std::get<DeltaMsg>(a->body).records[0].get(),
            std::get<DeltaMsg>(b->body).records[0].get());
}

// ---- Rejections ------------------------------------------------------------------------------

TEST(Messages, WrongVersionIsUnsupported) {
  RecordPool pool;
  for (uint8_t version : {0, 2, 255}) {
    Bytes enc = encode_message(sync());
    enc[0] = version;
    auto r = decode_message(enc, pool);
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().code(), Status::Code::kUnsupported) << int{version};
  }
}

TEST(Messages, UnknownTypeRejected) {
  RecordPool pool;
  for (uint8_t type : {0, 8, 200, 255}) {
    Bytes enc = encode_message(buckets());
    enc[1] = type;
    auto r = decode_message(enc, pool);
    ASSERT_FALSE(r.is_ok()) << int{type};
    EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
    EXPECT_NE(r.status().message().find("header.type"), std::string::npos);
  }
}

TEST(Messages, TrailingBytesRejected) {
  RecordPool pool;
  for (const Message& m : samples()) {
    Bytes enc = encode_message(m);
    enc.push_back(0);
    auto r = decode_message(enc, pool);
    ASSERT_FALSE(r.is_ok()) << message_type_name(m.header.type);
    EXPECT_NE(r.status().message().find("trailing"), std::string::npos);
  }
}

TEST(Messages, EveryTruncationRejected) {
  RecordPool pool;
  for (const Message& m : samples()) {
    const Bytes enc = encode_message(m);
    for (size_t len = 0; len < enc.size(); ++len) {
      auto r = decode_message(std::span<const uint8_t>(enc.data(), len), pool);
      ASSERT_FALSE(r.is_ok()) << message_type_name(m.header.type) << " cut at " << len;
      EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
    }
  }
}

// ---- Header only -----------------------------------------------------------------------------

TEST(Messages, HeaderDecodesAloneAndIgnoresTheBody) {
  for (const Message& m : samples()) {
    Bytes enc = encode_message(m);
    auto h = decode_message_header(enc);
    ASSERT_TRUE(h.is_ok()) << message_type_name(m.header.type) << ": " << h.status().to_string();
    EXPECT_EQ(h->type, m.header.type);
    EXPECT_EQ(h->mesh_id, m.header.mesh_id);
    EXPECT_EQ(h->sender, m.header.sender);
    // The body is not read: a header followed by garbage still yields the header.
    const size_t header_len = 2 + 1 + m.header.mesh_id.size() + 32;
    enc.resize(header_len);
    enc.push_back(0xff);
    auto cut = decode_message_header(enc);
    ASSERT_TRUE(cut.is_ok()) << message_type_name(m.header.type);
    EXPECT_EQ(cut->sender, m.header.sender);
  }
}

TEST(Messages, HeaderRejectsWhatDecodeMessageRejects) {
  Bytes enc = encode_message(sync());
  Bytes bad_version = enc;
  bad_version[0] = 2;
  EXPECT_EQ(decode_message_header(bad_version).status().code(), Status::Code::kUnsupported);
  Bytes bad_type = enc;
  bad_type[1] = 8;
  auto t = decode_message_header(bad_type);
  ASSERT_FALSE(t.is_ok());
  EXPECT_NE(t.status().message().find("header.type"), std::string::npos);
  // Every cut inside the header fails and names the field it cut.
  const size_t header_len = 2 + 1 + sync().header.mesh_id.size() + 32;
  for (size_t len = 0; len < header_len; ++len) {
    auto r = decode_message_header(std::span<const uint8_t>(enc.data(), len));
    ASSERT_FALSE(r.is_ok()) << "cut at " << len;
    EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
    EXPECT_NE(r.status().message().find("header."), std::string::npos) << r.status().message();
  }
}

TEST(Messages, JoinRequestMustCarryTheSendersRecord) {
  RecordPool pool;
  Message m = join_request();
  m.header.sender = key(0x99);
  auto r = decode_message(encode_message(m), pool);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("sender"), std::string::npos);
}

TEST(Messages, SemanticChecksRejected) {
  RecordPool pool;
  // Digest entries out of order.
  Message unsorted = digest();
  auto& entries = std::get<DigestMsg>(unsorted.body).entries;
  std::swap(entries[0], entries[1]);
  EXPECT_FALSE(decode_message(encode_message(unsorted), pool).is_ok());
  // Digest entry outside the mask.
  Message outside = digest();
  std::get<DigestMsg>(outside.body).bucket_mask = uint64_t{1} << 3;
  EXPECT_FALSE(decode_message(encode_message(outside), pool).is_ok());
  // Duplicate digest keys.
  Message dup = digest();
  std::get<DigestMsg>(dup.body).entries[1] = std::get<DigestMsg>(dup.body).entries[0];
  EXPECT_FALSE(decode_message(encode_message(dup), pool).is_ok());
  // Zero-version tombstone and record.
  Message zero_tomb = delta(false, false);
  std::get<DeltaMsg>(zero_tomb.body).tombstones[0].version = 0;
  EXPECT_FALSE(decode_message(encode_message(zero_tomb), pool).is_ok());
  Message zero_rec = delta(false, false);
  std::get<DeltaMsg>(zero_rec.body).records[1] = RecordRef::make(bare_record(key(6), 0));
  EXPECT_FALSE(decode_message(encode_message(zero_rec), pool).is_ok());
  // Services not sorted, routes duplicated.
  NodeRecord bad = full_record(kSender, 1);
  std::swap(bad.services[0], bad.services[1]);
  EXPECT_FALSE(decode_message(encode_message(with(MessageType::kJoinRequest,
                                                  JoinRequestMsg{RecordRef::make(bad)})),
                              pool)
                   .is_ok());
  bad = full_record(kSender, 1);
  bad.routes.push_back(bad.routes.back());
  EXPECT_FALSE(decode_message(encode_message(with(MessageType::kJoinRequest,
                                                  JoinRequestMsg{RecordRef::make(bad)})),
                              pool)
                   .is_ok());
  // An alias or a service that no owner could have set (a terminal escape, a dot, a space).
  for (const char* alias : {"a\x1b[2J", "a.b", "two words"}) {
    bad = full_record(kSender, 1);
    bad.alias = alias;
    auto r = decode_message(
        encode_message(with(MessageType::kJoinRequest, JoinRequestMsg{RecordRef::make(bad)})),
        pool);
    ASSERT_FALSE(r.is_ok()) << alias;
    EXPECT_NE(r.status().message().find("record.alias"), std::string::npos);
  }
  bad = full_record(kSender, 1);
  bad.services[0].second = "line\nbreak";
  EXPECT_FALSE(decode_message(encode_message(with(MessageType::kJoinRequest,
                                                  JoinRequestMsg{RecordRef::make(bad)})),
                              pool)
                   .is_ok());
  // Unknown delta flag bits.
  Bytes enc = encode_message(delta(true, false));
  enc.back() = 8;
  EXPECT_FALSE(decode_message(enc, pool).is_ok());
  // An offered slot beyond the slot space (1 << 20, as a varint).
  enc = encode_message(delta(true, false));
  enc.back() = 4;
  const size_t at = enc.size();
  enc.insert(enc.end(), {0x80, 0x80, 0x40});
  EXPECT_FALSE(decode_message(enc, pool).is_ok());
  enc.resize(at);
  enc.push_back(1);
  EXPECT_TRUE(decode_message(enc, pool).is_ok());
  // Mesh id longer than 63 bytes.
  Message long_id = sync();
  long_id.header.mesh_id = std::string(64, 'a');
  EXPECT_FALSE(decode_message(encode_message(long_id), pool).is_ok());
}

TEST(Messages, HugeCountsRejectedWithoutAllocating) {
  RecordPool pool;
  const uint64_t huge = uint64_t{1} << 40;
  {
    Bytes enc = header(MessageType::kDigest);
    Writer w(enc);
    w.u64(~uint64_t{0});
    w.varint(huge);
    EXPECT_FALSE(decode_message(enc, pool).is_ok());
  }
  {
    // Within the protocol limit but far beyond the bytes present.
    Bytes enc = header(MessageType::kDigest);
    Writer w(enc);
    w.u64(~uint64_t{0});
    w.varint(MessageLimits::kDigestEntries);
    EXPECT_FALSE(decode_message(enc, pool).is_ok());
  }
  for (int field = 0; field < 3; ++field) {
    // Delta: records, tombstones or wanted claim 2^40 elements.
    Bytes enc = header(MessageType::kDelta);
    Writer w(enc);
    for (int f = 0; f < field; ++f) w.varint(0);
    w.varint(huge);
    EXPECT_FALSE(decode_message(enc, pool).is_ok()) << field;
  }
}

TEST(Messages, EverySlotARecordMayCarryFitsInALivenessBitmap) {
  RecordPool pool;
  // A slot at the limit is refused...
  NodeRecord over = bare_record(kSender, 1);
  over.slot = RecordLimits::kMaxSlot;
  EXPECT_FALSE(decode_message(encode_message(with(MessageType::kJoinRequest,
                                                  JoinRequestMsg{RecordRef::make(over)})),
                              pool)
                   .is_ok());
  // ...and the highest slot a record may carry...
  NodeRecord rec = bare_record(kSender, 1);
  rec.slot = RecordLimits::kMaxSlot - 1;
  auto join = decode_message(
      encode_message(with(MessageType::kJoinRequest, JoinRequestMsg{RecordRef::make(rec)})), pool);
  ASSERT_TRUE(join.is_ok()) << join.status().to_string();
  const uint32_t slot = std::get<JoinRequestMsg>(join->body).record->slot;

  // ...must be a bit the liveness gossip can carry, or the member's own mark poisons it.
  EpochWindow w;
  w.advance(1, kSender);
  w.mark(1, slot);
  auto s = decode_message(encode_message(with(MessageType::kSync, SyncMsg{0, 1, w.view()})), pool);
  EXPECT_TRUE(s.is_ok()) << "slot " << slot << ": " << s.status().to_string();
}

// ---- Robustness --------------------------------------------------------------------------------

TEST(MessagesRobustness, RandomBytesNeverCrash) {
  RecordPool pool;
  Rng rng(0xf00d);
  int decoded = 0;
  for (int i = 0; i < 20000; ++i) {
    Bytes bytes(rng.uniform(2001));
    for (auto& b : bytes) b = static_cast<uint8_t>(rng.next_u64());
    // Half the inputs get a valid version and type, so decoding goes past the header.
    if (bytes.size() >= 2 && rng.chance(0.5)) {
      bytes[0] = kWireVersion;
      bytes[1] = static_cast<uint8_t>(1 + rng.uniform(7));
      if (bytes.size() >= 3) bytes[2] = static_cast<uint8_t>(rng.uniform(8));
    }
    ASSERT_TRUE(canonical_if_ok(bytes, pool)) << "input " << i;
    decoded += decode_message(bytes, pool).is_ok();
  }
  RecordProperty("decoded", decoded);
}

Bytes mutate(Bytes bytes, Rng& rng) {
  const uint64_t steps = 1 + rng.uniform(4);
  for (uint64_t s = 0; s < steps; ++s) {
    switch (rng.uniform(6)) {
      case 0:  // flip a bit
        if (!bytes.empty())
          bytes[rng.uniform(bytes.size())] ^= static_cast<uint8_t>(1 << rng.uniform(8));
        break;
      case 1:  // insert a byte
        bytes.insert(bytes.begin() + static_cast<long>(rng.uniform(bytes.size() + 1)),
                     static_cast<uint8_t>(rng.next_u64()));
        break;
      case 2:  // delete a byte
        if (!bytes.empty())
          bytes.erase(bytes.begin() + static_cast<long>(rng.uniform(bytes.size())));
        break;
      case 3:  // truncate
        bytes.resize(rng.uniform(bytes.size() + 1));
        break;
      case 4: {  // overwrite with a boundary value
        static constexpr uint8_t kSpecial[] = {0x00, 0x01, 0x7f, 0x80, 0xff};
        if (!bytes.empty()) bytes[rng.uniform(bytes.size())] = kSpecial[rng.uniform(5)];
        break;
      }
      default: {  // duplicate a slice
        if (bytes.empty()) break;
        const size_t from = rng.uniform(bytes.size());
        const size_t len = 1 + rng.uniform(std::min<size_t>(40, bytes.size() - from));
        const Bytes slice(bytes.begin() + static_cast<long>(from),
                          bytes.begin() + static_cast<long>(from + len));
        bytes.insert(bytes.begin() + static_cast<long>(rng.uniform(bytes.size() + 1)),
                     slice.begin(), slice.end());
        break;
      }
    }
  }
  return bytes;
}

TEST(MessagesRobustness, MutatedMessagesNeverCrash) {
  RecordPool pool;
  std::vector<Bytes> seeds;
  for (const Message& m : samples()) seeds.push_back(encode_message(m));
  Rng rng(0xbeef);
  int decoded = 0;
  for (int i = 0; i < 20000; ++i) {
    const Bytes bytes = mutate(seeds[rng.uniform(seeds.size())], rng);
    ASSERT_TRUE(canonical_if_ok(bytes, pool)) << "mutation " << i;
    decoded += decode_message(bytes, pool).is_ok();
  }
  // Some mutations (e.g. of a version number or a key byte) stay valid; the check above ran on
  // those too.
  EXPECT_GT(decoded, 100);
}

}  // namespace
}  // namespace smeg

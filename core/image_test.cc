// Mesh images as bytes: round trips of images taken from a mesh formed by real joins, refusal
// of damaged bytes, and a node resumed from decoded bytes doing exactly what one resumed from
// the in-memory image does.
#include "core/image.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <deque>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/node.h"
#include "core/rng.h"

namespace smeg {
namespace {

using Bytes = std::vector<uint8_t>;
using std::chrono::milliseconds;
using std::chrono::seconds;

Params fast_params() {
  Params p;
  p.heartbeat_interval = seconds(1);
  p.sync_interval = milliseconds(200);
  p.pull_interval = seconds(5);
  p.tombstone_epochs = 2;
  return p;
}

KeyPair keys_of(uint8_t i) {
  std::array<uint8_t, 32> random{};
  random.fill(static_cast<uint8_t>(0x40 + i));
  return KeyPair::from_private(PrivateKey::from_random(random));
}

// A few nodes on a lossless network that delivers at once: just enough to form a mesh by joins.
class Net {
 public:
  size_t add() {
    const size_t i = nodes_.size();
    nodes_.push_back(std::make_unique<Node>(keys_of(static_cast<uint8_t>(i)), fast_params()));
    rngs_.emplace_back(1000 + i);
    at_[control(i)] = i;
    return i;
  }
  Node& node(size_t i) { return *nodes_[i]; }
  Rng& rng(size_t i) { return rngs_[i]; }
  Time now() const { return now_; }
  static Endpoint control(size_t i) {
    return Endpoint{IpAddr::v4(192, 0, 2, static_cast<uint8_t>(i + 1)), 7946};
  }
  static MeshOptions options(size_t i, Role role = Role::kPeer) {
    MeshOptions o;
    o.role = role;
    o.control = control(i);
    if (role == Role::kPeer) o.wg_endpoint = Endpoint{control(i).addr, 51820};
    o.wg_port = 51820;
    if (role == Role::kClient) o.keepalive = 25;
    return o;
  }
  void run_for(Duration d) {
    const Time end = now_ + d;
    for (;;) {
      deliver();
      Time next = kNever;
      for (auto& n : nodes_) next = std::min(next, n->poll_timeout());
      if (next > end) break;
      now_ = std::max(now_, next);
      for (size_t i = 0; i < nodes_.size(); ++i) {
        if (nodes_[i]->poll_timeout() <= now_) nodes_[i]->handle_timeout(now_, rngs_[i]);
      }
    }
    now_ = end;
  }

 private:
  void deliver() {
    for (bool moved = true; moved;) {
      moved = false;
      for (size_t i = 0; i < nodes_.size(); ++i) {
        while (auto t = nodes_[i]->poll_transmit()) {
          moved = true;
          auto to = at_.find(t->to);
          if (to == at_.end()) continue;
          nodes_[to->second]->handle_message(now_, rngs_[to->second], control(i), t->bytes);
        }
      }
    }
  }
  std::vector<std::unique_ptr<Node>> nodes_;
  std::deque<Rng> rngs_;
  std::map<Endpoint, size_t> at_;
  Time now_{seconds(100)};
};

// Five nodes in "alpha" (a client among them, services, advertised defaults), one of which left:
// an image with records, a tombstone and several epochs of liveness.
MeshImage formed_image(Net& net) {
  for (size_t i = 0; i < 6; ++i) net.add();
  EXPECT_TRUE(net.node(0).create_mesh(net.now(), net.rng(0), "alpha", Net::options(0)));
  for (size_t i = 1; i < 6; ++i) {
    const Role role = i == 4 ? Role::kClient : Role::kPeer;
    EXPECT_TRUE(net.node(i).join_mesh(net.now(), "alpha", Net::options(i, role), Net::control(0)));
    net.run_for(milliseconds(50));
  }
  EXPECT_TRUE(net.node(1).set_service(net.now(), net.rng(1), "alpha", "http", "8080"));
  EXPECT_TRUE(net.node(2).set_advertise(net.now(), net.rng(2), "alpha", false, true));
  EXPECT_TRUE(net.node(3).set_alias(net.now(), net.rng(3), "alpha", "carol"));
  net.run_for(seconds(3));
  EXPECT_TRUE(net.node(5).leave_mesh(net.now(), net.rng(5), "alpha"));
  net.run_for(seconds(3));
  return *net.node(2).mesh_image("alpha");
}

void expect_same_image(const MeshImage& a, const MeshImage& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(encode_mesh_image(a), encode_mesh_image(b));
  ASSERT_EQ(a.records.size(), b.records.size());
  for (size_t i = 0; i < a.records.size(); ++i) {
    EXPECT_TRUE(a.records[i]->same_content(*b.records[i])) << "record " << i;
  }
  EXPECT_EQ(a.tombstones, b.tombstones);
  EXPECT_EQ(a.liveness.epoch, b.liveness.epoch);
  EXPECT_EQ(a.liveness.leader, b.liveness.leader);
  ASSERT_EQ(a.liveness.recent.size(), b.liveness.recent.size());
  for (size_t i = 0; i < a.liveness.recent.size(); ++i) {
    EXPECT_EQ(a.liveness.recent[i].epoch, b.liveness.recent[i].epoch);
    EXPECT_TRUE(a.liveness.recent[i].bits == b.liveness.recent[i].bits);
  }
}

TEST(MeshImageCodec, RoundTripsAnImageOfAFormedMesh) {
  Net net;
  const MeshImage image = formed_image(net);
  ASSERT_EQ(image.records.size(), 5u);
  ASSERT_EQ(image.tombstones.size(), 1u) << "the node that left";
  ASSERT_GE(image.liveness.recent.size(), 2u);
  bool has_client = false, has_service = false;
  for (const RecordRef& r : image.records) {
    has_client |= r->role == Role::kClient;
    has_service |= !r->services.empty();
  }
  ASSERT_TRUE(has_client && has_service);

  const Bytes bytes = encode_mesh_image(image);
  // A seed corpus for tests/fuzz/image_fuzz (the test binary may do I/O; core/ may not).
  if (const char* dir = std::getenv("SMEG_IMAGE_CORPUS")) {
    std::ofstream(std::string(dir) + "/formed-mesh", std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
  }
  RecordPool pool;
  auto decoded = decode_mesh_image(bytes, pool);
  ASSERT_TRUE(decoded) << decoded.status().to_string();
  expect_same_image(image, *decoded);
  EXPECT_EQ(pool.size(), image.records.size()) << "records are interned through the pool";
}

TEST(MeshImageCodec, OptionsRoundTripEveryField) {
  MeshOptions o;
  o.role = Role::kPeer;
  o.advertise_routes = true;
  o.advertise_defaults = true;
  o.keepalive = 17;
  o.wg_port = 51999;
  o.wg_endpoint = Endpoint{*IpAddr::parse("2001:db8::7"), 51999};
  o.control = Endpoint{IpAddr::v4(198, 51, 100, 3), 7946};
  o.alias = "gateway";
  o.description = "the rack in the basement";
  for (bool with_port : {true, false}) {
    if (!with_port) {
      o.wg_port.reset();
      o.wg_endpoint.reset();
      o.advertise_routes = false;
    }
    Bytes bytes;
    Writer w(bytes);
    encode_mesh_options(w, o);
    Reader r(bytes);
    const MeshOptions back = decode_mesh_options(r);
    ASSERT_TRUE(r.finish()) << r.status().to_string();
    EXPECT_EQ(back.role, o.role);
    EXPECT_EQ(back.advertise_routes, o.advertise_routes);
    EXPECT_EQ(back.advertise_defaults, o.advertise_defaults);
    EXPECT_EQ(back.keepalive, o.keepalive);
    EXPECT_EQ(back.wg_port, o.wg_port);
    EXPECT_EQ(back.wg_endpoint, o.wg_endpoint);
    EXPECT_EQ(back.control, o.control);
    EXPECT_EQ(back.alias, o.alias);
    EXPECT_EQ(back.description, o.description);
  }
}

// A node resumed from decoded bytes and one resumed from the in-memory image, both with the
// key and rng seed of the original, send the same bytes, want the same timeouts and config.
TEST(MeshImageCodec, ResumingFromDecodedBytesEqualsResumingFromTheImage) {
  Net net;
  const MeshImage image = formed_image(net);
  RecordPool pool;
  auto decoded = decode_mesh_image(encode_mesh_image(image), pool);
  ASSERT_TRUE(decoded) << decoded.status().to_string();

  Node a(keys_of(2), fast_params()), b(keys_of(2), fast_params());
  Rng ra(7), rb(7);
  Time now = net.now() + seconds(1);
  ASSERT_TRUE(a.resume_mesh(now, ra, image));
  ASSERT_TRUE(b.resume_mesh(now, rb, *decoded));
  size_t transmits = 0;
  for (int step = 0; step < 40; ++step) {
    ASSERT_EQ(a.poll_timeout(), b.poll_timeout()) << "step " << step;
    for (;;) {
      auto ta = a.poll_transmit();
      auto tb = b.poll_transmit();
      ASSERT_EQ(ta.has_value(), tb.has_value()) << "step " << step;
      if (!ta) break;
      EXPECT_EQ(ta->to, tb->to);
      EXPECT_EQ(ta->bytes, tb->bytes) << "step " << step;
      ++transmits;
    }
    auto da = a.desired_config("alpha");
    auto db = b.desired_config("alpha");
    ASSERT_TRUE(da && db);
    EXPECT_EQ(*da, *db);
    now = a.poll_timeout();
    a.handle_timeout(now, ra);
    b.handle_timeout(now, rb);
  }
  EXPECT_GT(transmits, 0u) << "the resumed nodes did take part";
  EXPECT_EQ(encode_mesh_image(*a.mesh_image("alpha")), encode_mesh_image(*b.mesh_image("alpha")));
}

TEST(MeshImageCodec, EveryTruncationIsAnError) {
  Net net;
  const Bytes bytes = encode_mesh_image(formed_image(net));
  RecordPool pool;
  for (size_t len = 0; len < bytes.size(); ++len) {
    auto r = decode_mesh_image(std::span<const uint8_t>(bytes.data(), len), pool);
    ASSERT_FALSE(r) << "prefix of " << len << " bytes decoded";
    EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
    EXPECT_NE(r.status().message().find(" at offset "), std::string::npos) << len;
  }
}

// Flipped bytes either fail with a message or decode to an image in canonical form.
TEST(MeshImageCodec, RandomByteFlipsNeverCrash) {
  Net net;
  const Bytes bytes = encode_mesh_image(formed_image(net));
  RecordPool pool;
  Rng rng(99);
  size_t decoded = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    Bytes b = bytes;
    const uint64_t flips = 1 + rng.uniform(4);
    for (uint64_t f = 0; f < flips; ++f) {
      b[rng.uniform(b.size())] ^= static_cast<uint8_t>(1 + rng.uniform(255));
    }
    auto r = decode_mesh_image(b, pool);
    if (!r) {
      EXPECT_FALSE(r.status().message().empty());
      continue;
    }
    ++decoded;
    const Bytes again = encode_mesh_image(*r);
    auto r2 = decode_mesh_image(again, pool);
    ASSERT_TRUE(r2) << r2.status().to_string();
    ASSERT_EQ(encode_mesh_image(*r2), again) << "not canonical";
  }
  EXPECT_GT(decoded, 0u) << "some flips land in free-form fields and still decode";
}

// A valid image with one part replaced by `part` (the bytes after the options).
Bytes image_with(const std::string& id, const MeshOptions& o, const Bytes& tail) {
  Bytes b = {'S', 'M', 'G', 'I', kImageVersion, kWireVersion};
  Writer w(b);
  w.string(id);
  encode_mesh_options(w, o);
  w.bytes(tail.data(), tail.size());
  return b;
}

std::string decode_error(const Bytes& b) {
  RecordPool pool;
  auto r = decode_mesh_image(b, pool);
  return r ? "decoded" : r.status().to_string();
}

TEST(MeshImageCodec, DamagedImagesNameTheField) {
  // No records, no tombstones, liveness: epoch 0, a zero leader key, no epochs held.
  Bytes tail = {0, 0, 0};
  tail.insert(tail.end(), 32, 0);
  tail.push_back(0);
  EXPECT_EQ(decode_error(image_with("alpha", Net::options(0), tail)), "decoded");

  Bytes bad = image_with("alpha", Net::options(0), tail);
  bad[0] = 'X';
  EXPECT_NE(decode_error(bad).find("image.magic at offset 0"), std::string::npos);
  bad = image_with("alpha", Net::options(0), tail);
  bad[4] = kImageVersion + 1;
  EXPECT_NE(decode_error(bad).find("unsupported: mesh image format version 2"), std::string::npos);
  bad = image_with("alpha", Net::options(0), tail);
  bad[5] = kWireVersion + 1;
  EXPECT_NE(decode_error(bad).find("wire format version"), std::string::npos);
  EXPECT_NE(decode_error(image_with("Alpha!", Net::options(0), tail)).find("image.id at offset 6"),
            std::string::npos);
  MeshOptions no_control = Net::options(0);
  no_control.control.reset();
  EXPECT_NE(decode_error(image_with("alpha", no_control, tail))
                .find("options at offset 12: control endpoint is required"),
            std::string::npos);
  bad = image_with("alpha", Net::options(0), tail);
  bad[13] = 0x80;  // the options' flags
  EXPECT_NE(decode_error(bad).find("options.flags"), std::string::npos);
  Bytes trailing = tail;
  trailing.push_back(0);
  EXPECT_NE(decode_error(image_with("alpha", Net::options(0), trailing)).find("image at offset"),
            std::string::npos);
}

TEST(MeshImageCodec, UnsortedEntriesAreRefused) {
  Net net;
  MeshImage image = formed_image(net);
  MeshImage records_swapped = image;
  std::swap(records_swapped.records[0], records_swapped.records[1]);
  MeshImage tombstone_twice = image;
  tombstone_twice.tombstones.push_back(image.tombstones[0]);
  // The encoder asserts its precondition; build the bytes by hand through a sorted image.
  for (const MeshImage* bad : {&records_swapped, &tombstone_twice}) {
    Bytes b = image_with(bad->id, bad->options, {});
    Writer w(b);
    w.varint(bad->records.size());
    for (const RecordRef& r : bad->records) r->encode(w);
    w.varint(bad->tombstones.size());
    for (const Tombstone& t : bad->tombstones) encode_tombstone(w, t);
    bad->liveness.encode(w);
    const std::string field = bad == &records_swapped ? "image.records" : "image.tombstones";
    EXPECT_NE(decode_error(b).find(field + " at offset "), std::string::npos) << decode_error(b);
    EXPECT_NE(decode_error(b).find("not sorted and unique"), std::string::npos);
  }
}

TEST(MeshImageCodec, HugeCountsAreRefusedWithoutAllocating) {
  Bytes tail;
  Writer w(tail);
  w.varint(ImageLimits::kRecords);  // a million records in a few bytes
  EXPECT_NE(decode_error(image_with("alpha", Net::options(0), tail)).find("exceeds the bytes left"),
            std::string::npos);
  tail.clear();
  w.varint(ImageLimits::kRecords + 1);
  EXPECT_NE(decode_error(image_with("alpha", Net::options(0), tail)).find("image.records"),
            std::string::npos);
  tail = {0};
  w.varint(ImageLimits::kTombstones);
  EXPECT_NE(decode_error(image_with("alpha", Net::options(0), tail)).find("image.tombstones"),
            std::string::npos);
}

}  // namespace
}  // namespace smeg

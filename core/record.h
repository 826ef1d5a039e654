// NodeRecord: what a mesh knows about one member, written only by that member.
//
// Records are immutable once made and shared by reference: a RecordRef is an 8-byte intrusive,
// non-atomic reference (the core is single-threaded; one protocol thread per process). A
// RecordPool interns decoded records by (owner, version), so that the simulator, which runs
// thousands of nodes in one process, holds one copy of each record however many nodes know it.
// Interning never changes behaviour: a record is only reused when it is equal to the decoded one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/address.h"
#include "core/identity.h"
#include "core/routes.h"
#include "core/wire.h"

namespace smeg {

enum class Role : uint8_t { kPeer = 0, kClient = 1 };
const char* role_name(Role role);

// Limits enforced when decoding untrusted bytes (and when a command sets a field).
struct RecordLimits {
  static constexpr size_t kAlias = 63;
  static constexpr size_t kDescription = 256;
  static constexpr size_t kServices = 32;
  static constexpr size_t kServiceName = 63;
  static constexpr size_t kServiceValue = 256;
  static constexpr size_t kRoutes = 256;
  static constexpr size_t kPathLength = 16;
  static constexpr uint32_t kMaxSlot = 1u << 20;  // slots are below this
  static constexpr uint32_t kNoSlot = 0xffffffffu;
};

class RecordPool;

// Prefix encoding shared by records and messages; decode rejects host bits and bad lengths.
void encode_prefix(Writer& w, const Prefix& p);
Prefix decode_prefix(Reader& r, const char* field);
// An optional endpoint (presence byte, family, address, port), shared by records and images.
void encode_endpoint(Writer& w, const std::optional<Endpoint>& e);
std::optional<Endpoint> decode_endpoint(Reader& r, const char* field);

struct NodeRecord {
  PublicKey key;
  uint64_t version = 0;  // owner-incremented; higher wins
  Role role = Role::kPeer;
  uint32_t slot = RecordLimits::kNoSlot;  // liveness bitmap slot (see liveness.h)
  uint64_t joined_epoch = 0;              // heartbeat epoch in which the node took its slot
  uint32_t address_attempt = 0;           // interface-id derivation attempt (address.h)
  std::optional<Endpoint> control;        // where to send control messages
  std::optional<Endpoint> wg_endpoint;    // WireGuard endpoint others should use (peers)
  uint16_t keepalive = 0;                 // persistent keepalive the node asks for, seconds
  PublicKey attached_to;                  // clients: the peer they tunnel through (zero: none)
  std::string alias;
  std::string description;
  std::vector<std::pair<std::string, std::string>> services;  // sorted by name, unique
  std::vector<Route> routes;                                  // advertised, sorted

  bool same_content(const NodeRecord& o) const;
  void encode(Writer& w) const;
  static NodeRecord decode(Reader& r);  // check r.ok() afterwards

  // Intrusive reference count and the pool that interned it (if any); not part of the content.
  mutable uint32_t refs_ = 0;
  RecordPool* pool_ = nullptr;
};

class RecordRef {
 public:
  RecordRef() = default;
  explicit RecordRef(NodeRecord* r) : p_(r) { retain(); }
  RecordRef(const RecordRef& o) : p_(o.p_) { retain(); }
  RecordRef(RecordRef&& o) noexcept : p_(o.p_) { o.p_ = nullptr; }
  RecordRef& operator=(RecordRef o) noexcept {
    std::swap(p_, o.p_);
    return *this;
  }
  ~RecordRef() { release(); }

  const NodeRecord* get() const { return p_; }
  const NodeRecord* operator->() const { return p_; }
  const NodeRecord& operator*() const { return *p_; }
  explicit operator bool() const { return p_ != nullptr; }

  // A new record owned only by this reference (not interned).
  static RecordRef make(NodeRecord r);

 private:
  void retain() const {
    if (p_) ++p_->refs_;
  }
  void release();
  NodeRecord* p_ = nullptr;
};

// Interns records by (owner key, version). Not thread-safe; must outlive every RecordRef it made.
class RecordPool {
 public:
  RecordPool() = default;
  RecordPool(const RecordPool&) = delete;
  RecordPool& operator=(const RecordPool&) = delete;
  ~RecordPool();

  // The pooled record equal to r if there is one, else r itself, pooled.
  RecordRef intern(NodeRecord r);
  size_t size() const { return table_.size(); }

 private:
  friend class RecordRef;
  void forget(const NodeRecord* r);
  static uint64_t slot_key(const PublicKey& k, uint64_t version);
  // Lookup only; iteration order never matters. A (key, version) maps to the first record
  // interned for it; an unequal record with the same (key, version) is simply not pooled.
  std::unordered_map<uint64_t, NodeRecord*> table_;
};

}  // namespace smeg

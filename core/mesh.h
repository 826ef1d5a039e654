// Mesh: one node's protocol state machine for one mesh — membership (CRDT), dissemination
// (push gossip + push-pull anti-entropy), liveness (leader heartbeat epochs, pruning, leader
// failover) and client attachment. Driven by Node (node.h), which owns the key pair, the
// outputs and the routes across meshes. Sans-IO: time and randomness come in as arguments.
//
// Liveness in short (see liveness.h for the aggregate):
//  - the leader starts a new epoch every heartbeatInterval (H); an epoch spreads with the sync
//    messages and is forwarded at once; a peer with a lower key than the current epoch's
//    leader claims the current epoch at once (concurrent starts of one epoch merge to the
//    lower key) and starts the next one itself, so leadership settles on the lowest live key
//    within one epoch's spread;
//  - a node that learns an epoch sets its own slot's bit in it and judges: a member whose bit is
//    missing from the new epoch and the `prune_epochs` full epochs before it is dropped from
//    this node's view; once it has stayed lifeless `tombstone_epochs` more epochs, the leader
//    writes its tombstone, which removes it from the mesh state everywhere;
//  - a member's record says in which epoch it took its slot (joined_epoch); its bits need
//    a full epoch to spread, so it is not judged before joined_epoch + prune_epochs;
//    a joiner that has not taken a slot yet gets `prune_epochs` epochs to do so; a node that
//    just joined judges nobody for prune_epochs epochs;
//  - if no epoch is learned for prune_epochs * H, the leader is considered dead and every peer
//    starts the next epoch; the starts merge and the lowest key among them leads on (one step,
//    however many of the lowest keys are gone, e.g. behind a partition);
//  - a node dropped by mistake re-announces itself with a newer version.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/desired.h"
#include "core/events.h"
#include "core/liveness.h"
#include "core/messages.h"
#include "core/params.h"
#include "core/rng.h"
#include "core/routes.h"
#include "core/state.h"

namespace smeg {

// The rendezvous score a client gives a peer when choosing which one to attach to (the highest
// wins; ties to the lower key). Part of the protocol: every member must agree.
uint64_t client_attach_score(const PublicKey& client, const PublicKey& peer);

// What a Mesh needs from its Node.
struct MeshContext {
  const KeyPair* keys = nullptr;
  const Params* params = nullptr;
  RecordPool* pool = nullptr;
  std::deque<Transmit>* out = nullptr;
  std::deque<Event>* events = nullptr;
  uint64_t* bytes_sent = nullptr;
};

// Counters of one mesh at one node, for metrics.
struct MeshStats {
  uint64_t messages_sent = 0;
  uint64_t bytes_sent = 0;
  uint64_t messages_received = 0;
  uint64_t prunes = 0;  // members this node dropped for missed heartbeats
  uint64_t tombstones_written = 0;
  uint64_t leader_changes = 0;
};

// One node's mesh as it holds it: enough to resume taking part after a restart without a
// new join (smegd persists it; the simulator restarts crashed nodes from it and builds large
// meshes from one, see Mesh::resume).
struct MeshImage {
  std::string id;
  MeshOptions options;
  std::vector<RecordRef> records;     // sorted by key, one per key
  std::vector<Tombstone> tombstones;  // sorted by key, one per key
  LivenessView liveness;              // every epoch held
};

class Mesh {
 public:
  // A new mesh with this node as its only member (and leader, as a peer).
  static Mesh create(const MeshContext& ctx, Time now, Rng& rng, std::string id,
                     MeshOptions options);
  // A mesh to be joined through the member at `bootstrap`; sends the join request.
  static Mesh join(const MeshContext& ctx, Time now, std::string id, MeshOptions options,
                   Endpoint bootstrap);

  // Resumes a mesh from an image, as a member (no join): our own record in it gives our slot,
  // address and version; if our record is missing or differs from `image.options`, a newer
  // version is published. Like a fresh joiner, the node judges nobody until it has seen
  // `prune_epochs` epochs of its own; a stale image (others moved on, pruned or tombstoned
  // us) is brought up to date by the usual anti-entropy and self-repair.
  static Mesh resume(const MeshContext& ctx, Time now, Rng& rng, MeshImage image);
  // This node's image of the mesh now.
  MeshImage image() const;

  const std::string& id() const { return id_; }
  const Prefix& prefix() const { return prefix_; }
  const MeshOptions& options() const { return options_; }
  const MeshState& state() const { return state_; }
  const EpochWindow& epochs() const { return window_; }
  const MeshStats& stats() const { return stats_; }
  bool joining() const { return joining_; }
  bool failed() const { return failed_; }

  // `from` is where the datagram came from: replies go there (it is how a NATed client is reached).
  void handle_message(Time now, Rng& rng, const Endpoint& from, const Message& msg);
  void handle_timeout(Time now, Rng& rng);
  Time next_timeout() const;

  // Changes this node's own record (version bump + push gossip).
  void update_self(Rng& rng, const MeshOptions& options);
  void set_services(Rng& rng, std::vector<std::pair<std::string, std::string>> services);
  void set_routes(Rng& rng, std::vector<Route> routes);
  // Writes our own tombstone and pushes it; the mesh should be dropped afterwards.
  void leave(Rng& rng);

  // The view: members this node considers alive (state minus suspected), self included.
  bool is_live(const PublicKey& key) const;
  std::vector<RecordRef> live_members() const;
  // The leader of the current epoch in this node's view.
  const PublicKey& leader() const { return window_.leader(); }
  // Tests: whether the incrementally kept view equals one rebuilt from the state.
  bool view_consistent() const;
  // Recomputes the derived view (live peers) if membership changed since.
  void refresh();
  const NodeRecord* self_record() const { return state_.find(ctx_.keys->public_key); }
  IpAddr address_of(const NodeRecord& r) const;
  // The peer a client attaches to (rendezvous over the live peers), if any.
  std::optional<PublicKey> attached_peer(const PublicKey& client) const;
  // Route adverts of the live members other than self.
  std::vector<RouteAdvert> route_adverts() const;
  // Bumped by every change that can alter this node's desired configuration of the mesh
  // (membership, records, suspicions, our own record): a driver re-applies when it moves.
  uint64_t changes() const { return changes_; }
  // Set by Node: the routes selected in this mesh (for the desired config).
  bool routes_dirty() const { return routes_dirty_; }
  void clear_routes_dirty() { routes_dirty_ = false; }

  DesiredDevice desired(const std::vector<SelectedRoute>& selected,
                        const std::vector<Prefix>& kernel_routes) const;

 private:
  Mesh(const MeshContext& ctx, std::string id, MeshOptions options);

  // Outgoing.
  void send(const Endpoint& to, const PublicKey& to_key, MessageType type, Message::Body body);
  void send_many(const std::vector<const NodeRecord*>& to, MessageType type, Message::Body body);
  void send_delta(const Endpoint& to, const PublicKey& to_key, MessageType type,
                  std::vector<RecordRef> records, std::vector<Tombstone> tombs,
                  std::vector<PublicKey> wanted, bool liveness, bool push,
                  uint32_t slot = RecordLimits::kNoSlot);
  // Splits a delta into messages of at most max_message_bytes (wanted keys ride in the first,
  // the liveness view in the last).
  std::vector<DeltaMsg> chunk_delta(std::vector<RecordRef> records, std::vector<Tombstone> tombs,
                                    std::vector<PublicKey> wanted, bool liveness, bool push) const;
  SyncMsg make_sync(Time now) const;
  std::vector<const NodeRecord*> pick_targets(Rng& rng);
  // Where key is, or would be, in live_peers_.
  std::vector<RecordRef>::iterator live_peer_at(const PublicKey& key);
  // Incremental changes of live_peers_ (no-ops while a full rebuild is pending).
  void view_insert(const RecordRef& rec);
  void view_erase(const PublicKey& key);
  // Keeps live_peers_ on the current version of an updated record.
  void replace_live_peer(const RecordRef& rec);
  void sync_round(Time now, Rng& rng);
  void pull_round(Time now, Rng& rng);
  void flush_hot(Rng& rng);
  void send_join_request();

  // Incoming.
  void on_join_request(Time now, Rng& rng, const Endpoint& from, const JoinRequestMsg& m);
  void on_sync(Time now, Rng& rng, const Endpoint& from, const PublicKey& sender, const SyncMsg& m,
               bool is_reply);
  void on_buckets(const Endpoint& from, const PublicKey& sender, const BucketsMsg& m);
  void on_digest(const Endpoint& from, const PublicKey& sender, const DigestMsg& m);
  void on_delta(Time now, Rng& rng, const Endpoint& from, const PublicKey& sender,
                const DeltaMsg& m, bool snapshot);

  // State changes.
  void merge_record(Time now, const RecordRef& rec, bool spread);
  void merge_records(Time now, const std::vector<RecordRef>& records, bool spread);
  // Bookkeeping after a record was added or updated in the state.
  void after_merge(const RecordRef& rec, bool spread, bool had_routes);
  void merge_tombstone(Time now, const Tombstone& t, bool spread);
  void merge_liveness(Time now, Rng& rng, const LivenessView& v);
  void publish();
  NodeRecord self_template() const;
  // Completes the join (the snapshot's view is in), in `offered` if that slot is still free.
  void finish_join(Time now, Rng& rng, uint32_t offered);
  // A slot no record we hold claims, none alive recently, none we offered a joiner lately.
  uint32_t pick_free_slot(Rng& rng, bool for_joiner) const;
  // Whether a record we hold (not ours) claims the slot, or it showed life recently.
  bool slot_taken(uint32_t slot) const;
  uint32_t pick_address_attempt() const;
  void mark_hot(const PublicKey& key);

  // Liveness.
  void start_epoch(Time now, Rng& rng);
  void on_new_epoch(Time now, Rng& rng, bool started_here, Time previous_learned,
                    const PublicKey& previous_leader);
  void note_leader(Time now);
  // Whether we start the next epoch when the interval is up (see handle_timeout).
  bool may_lead() const;
  void judge(Time now);
  void suspect(Time now, const PublicKey& key, RemovalReason reason);
  void unsuspect(Time now, const PublicKey& key);
  void check_own_slot(Time now, Rng& rng);
  bool is_self(const PublicKey& k) const { return k == ctx_.keys->public_key; }
  Duration silence_limit() const;

  void emit(Time now, EventType type, const PublicKey& node,
            RemovalReason reason = RemovalReason::kNone, uint64_t value = 0);

  MeshContext ctx_;
  std::string id_;
  Prefix prefix_;
  MeshOptions options_;
  MeshState state_;
  EpochWindow window_;
  MeshStats stats_;

  // Own record.
  uint64_t own_version_ = 0;
  uint32_t own_slot_ = RecordLimits::kNoSlot;
  uint64_t own_joined_epoch_ = 0;
  uint32_t own_old_slot_ = RecordLimits::kNoSlot;  // after a move, marked until the epoch below
  uint64_t own_old_slot_until_ = 0;
  PublicKey own_attached_;        // clients: the peer we attach to, as published
  uint64_t view_generation_ = 0;  // bumped whenever live_peers_ changes
  // Where we would sit in live_peers_, as of view generation self_pos_generation_ (gossip
  // windows are centred on it; a binary search per round costs a cache miss per step).
  size_t self_pos_ = 0;
  uint64_t self_pos_generation_ = ~uint64_t{0};
  uint64_t attachment_checked_ = ~uint64_t{0};
  // Clients: re-choose our peer when the view changed, and publish the choice.
  void update_attachment();
  // The peer a client tunnels through: its published choice if that peer is live for us,
  // else our own rendezvous computation.
  std::optional<PublicKey> client_peer(const NodeRecord& client) const;
  uint32_t own_attempt_ = 0;
  std::vector<std::pair<std::string, std::string>> own_services_;
  std::vector<Route> own_routes_;
  bool left_ = false;

  // Joining.
  bool joining_ = false;
  bool failed_ = false;
  Endpoint bootstrap_;
  Time join_started_{0};
  Time next_join_retry_ = kNever;
  static constexpr size_t kMaxPendingJoins = 64;
  std::vector<std::pair<Endpoint, JoinRequestMsg>> pending_joins_;  // received while joining
  // Slots offered to joiners lately (until their records with the slot reach us), so that
  // concurrent joiners through us get different ones.
  static constexpr size_t kOfferedKept = 64;
  std::deque<uint32_t> offered_slots_;

  // Liveness.
  Time epoch_learned_at_{0};
  Time last_input_ = kNever;  // see note_input
  void note_input(Time now);
  bool client_starved_ = false;  // clients: no epoch for 1.5 H; sync with more peers
  struct Suspicion {
    uint64_t version = 0;  // the record version we judged dead
    uint64_t epoch = 0;    // the epoch we judged in: only later bits prove it alive
  };
  std::map<PublicKey, Suspicion> suspected_;
  std::map<PublicKey, uint64_t> grace_;  // joiners without a slot yet -> epoch first seen
  // Slots claimed by two records, as of the state with this summary and member count.
  Bitmap shared_slots_;
  uint64_t shared_slots_summary_ = ~uint64_t{0};
  size_t shared_slots_members_ = 0;
  uint64_t grace_all_until_ = 0;  // members known at join: not judged before this

  // Members we removed (pruned, or tombstoned by others), kept for a while so that pull rounds
  // can probe them: after a partition each side has removed the other, and only a probe
  // across the healed cut lets the two states meet again.
  struct Departed {
    RecordRef record;
    Time at;
  };
  static constexpr size_t kMaxDeparted = 256;
  std::deque<Departed> departed_;
  void note_departed(Time now, const PublicKey& key);

  // Dissemination.
  std::map<PublicKey, uint32_t> hot_;  // key -> push rounds left
  bool hot_fresh_ = false;             // something became hot during this input
  Time next_sync_ = kNever;
  Time next_pull_ = kNever;

  // Derived view.
  bool view_dirty_ = true;
  bool routes_dirty_ = true;
  std::vector<RecordRef> live_peers_;  // sorted by key, self excluded; current versions
  PublicKey leader_;                   // last leader reported in an event
  uint64_t changes_ = 0;               // see changes()
};

}  // namespace smeg

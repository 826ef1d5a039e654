// Daemon: smegd's engine. It drives one protocol core (core/node.h) exactly as the simulator
// does, with real inputs and outputs instead of virtual ones (DESIGN.md §5):
//   - inputs: sealed datagrams from the control socket (opened by the Sealer, which refuses
//     non-members and replays), the core's timer (a steady_timer re-armed from poll_timeout()
//     after every input), and commands from the local API;
//   - outputs, drained after every input: messages (sealed, sent), events (logged, counted,
//     turned into join answers and retries), and each mesh's desired WireGuard configuration,
//     applied through a backend as a diff (backends/backend.h MeshInterface), with the
//     operator's hooks around interface creation and removal;
//   - persistence: the identity, every mesh (secret, options, interface, installed routes) and
//     periodically its image (the state snapshot the core resumes from) under the state
//     directory, so that after a kill -9 the node comes back with the same key, addresses and
//     meshes and rejoins without any command.
// Everything runs on one io_context thread; nothing here is thread-safe.
//
// Interfaces outlive the daemon: a stop (SIGTERM) keeps them and their last configuration, so
// tunnels keep working across a restart or an upgrade; only leaving a mesh removes its
// interface (preDown, delete, postDown).
#pragma once

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "core/node.h"
#include "core/rng.h"
#include "daemon/config.h"
#include "daemon/control_socket.h"
#include "daemon/invite.h"
#include "daemon/seal.h"
#include "daemon/state_dir.h"

namespace smeg::daemon {

// What the API asks for when creating or joining a mesh: the original's new-mesh / join-mesh
// flags. Absent fields take the configuration's baseConfiguration.
struct MeshRequest {
  std::optional<Role> role;
  std::optional<uint16_t> wg_port;
  std::optional<std::string> endpoint;  // publicEndpoint: host or IP, optionally with a port
  std::optional<uint16_t> keepalive;
  std::optional<bool> advertise_routes;
  std::optional<bool> advertise_defaults;
  std::string alias;
  std::string description;
};

// Counters of one mesh, for metrics and the API.
struct MeshCounters {
  uint64_t members_added = 0, members_pruned = 0, members_removed = 0;
  uint64_t leader_changes = 0;
  uint64_t applies = 0, apply_errors = 0;
  double apply_seconds_sum = 0, apply_seconds_last = 0;
  uint64_t join_failures = 0;
};

class Daemon {
 public:
  enum class MeshState { kJoining, kMember };
  // One mesh this node is in.
  struct MeshRuntime {
    PersistedMesh persisted;
    MeshState state = MeshState::kMember;
    std::unique_ptr<backends::Backend> backend;  // null with stubWg
    std::unique_ptr<backends::MeshInterface> iface;
    bool interface_ready = false;  // created and postUp run
    uint64_t applied_generation = 0;
    uint64_t saved_generation = 0;
    bool post_up_pending = false;  // the interface was created: postUp after the first apply
    std::string last_error;        // of the last apply or hook, "" when it went well
    Time retry_at = kNever;        // a failed apply is retried then (backing off)
    Duration retry_backoff{0};
    Time rejoin_at = kNever;  // a join that failed after a restart is retried then
    std::vector<std::function<void(Status)>> join_waiters;
    MeshCounters counters;
  };

  Daemon(boost::asio::io_context& io, Config config);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Opens the state directory, loads or creates the identity, binds the control socket and
  // takes up every persisted mesh again (resumed from its image, or joined anew through its
  // bootstrap). Errors name what failed; on error nothing is left running.
  Status start();
  // Persists every mesh and closes the sockets; interfaces stay (see above).
  void stop();
  // SIGHUP: applies what can change without a restart; the keys that cannot are returned (and
  // logged) and keep their old values.
  std::vector<std::string> reload(Config next);

  // Commands. Each validates everything first and changes nothing on error.
  Result<std::string> create_mesh(const MeshRequest& request);
  // Starts a join; `done` is called once, when the join completes or fails (no member answered
  // before the deadline: a wrong secret looks exactly like that). A failed join leaves nothing
  // behind: no mesh, no interface, no state file.
  void join_mesh(const Invite& invite, const MeshRequest& request,
                 std::function<void(Status)> done);
  Status leave_mesh(const std::string& mesh_id);
  Status set_alias(const std::string& mesh_id, const std::string& alias);
  Status set_description(const std::string& mesh_id, const std::string& text);
  Status set_service(const std::string& mesh_id, const std::string& name, const std::string& value);
  Status delete_service(const std::string& mesh_id, const std::string& name);
  // The invite of a mesh: its id, this node's control endpoint and the secret.
  Result<Invite> invite(const std::string& mesh_id) const;

  // Inspection (the API's read side).
  const Node& node() const { return *node_; }
  const Config& config() const { return config_; }
  const std::map<std::string, MeshRuntime>& meshes() const { return meshes_; }
  const Sealer& sealer() const { return *sealer_; }
  const ControlSocket& control_socket() const { return socket_; }
  // The WireGuard device of a mesh as the backend reads it (peers' handshakes, rx/tx).
  Result<backends::DeviceState> read_device(const std::string& mesh_id) const;
  // Seconds since start.
  double uptime_seconds() const;
  uint64_t core_rejected() const { return node_ ? node_->rejected_messages() : 0; }
  // Prometheus text of everything the daemon counts.
  std::string metrics_text() const;
  // Called after an input that may have changed what DNS serves (the owner rebuilds the zone):
  // a member came or went, or changed its alias or services.
  void on_view_changed(std::function<void()> f) { view_changed_ = std::move(f); }

 private:
  Time now() const;
  // The endpoint others reach this node's control socket at, for a mesh joined through
  // `bootstrap` (nullopt: a new mesh).
  Result<Endpoint> control_endpoint(const std::optional<std::string>& endpoint,
                                    const std::optional<Endpoint>& bootstrap) const;
  Result<MeshOptions> mesh_options(const MeshRequest& request,
                                   const std::optional<Endpoint>& bootstrap) const;
  std::string free_interface_name() const;
  uint16_t free_wg_port() const;
  // Picks the backend and creates the interface if it does not exist (preUp before it).
  Status set_up_interface(MeshRuntime& m);
  // Runs preDown, deletes the interface, runs postDown; forgets the runtime's sealer key.
  void tear_down_mesh(MeshRuntime& m, bool delete_interface);
  void on_datagram(const Endpoint& from, std::span<const uint8_t> datagram);
  void on_timer();
  // After every input: send, handle events, apply configurations, persist, re-arm the timer.
  void after_input();
  void drain_transmits();
  void drain_events();
  void apply_configs();
  void apply_config(MeshRuntime& m);
  void check_join_deadlines();
  void persist(MeshRuntime& m, bool with_image);
  void persist_images();
  void rearm();
  void finish_join(const std::string& mesh_id, Status status);
  Status start_join(MeshRuntime& m, const Endpoint& bootstrap);
  // Applies a change of this node's own record in a mesh; persists and publishes it if it
  // took. Not found for a mesh we are not in.
  Status change_own(const std::string& mesh_id, const std::function<Status(MeshRuntime&)>& change);

  Config config_;
  const std::chrono::steady_clock::time_point origin_ = std::chrono::steady_clock::now();
  std::unique_ptr<StateDir> state_;
  RecordPool pool_;  // the node's records; outlives node_
  KeyPair keys_;
  Rng rng_;
  std::unique_ptr<Node> node_;
  std::unique_ptr<Sealer> sealer_;
  ControlSocket socket_;
  boost::asio::steady_timer timer_;
  Time armed_at_ = kNever;
  Time next_image_save_ = Time(0);
  std::map<std::string, MeshRuntime> meshes_;
  std::function<void()> view_changed_;
  uint64_t view_signature_ = ~uint64_t{0};  // of the meshes' generations, last reported
  bool started_ = false;
  // Control messages handed to the socket, by core message type (index: MessageType value).
  std::array<uint64_t, 8> sent_messages_{}, sent_bytes_{};
};

}  // namespace smeg::daemon

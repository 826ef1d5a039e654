// Node: the protocol core of one machine, driven sans-IO (DESIGN.md §3, quinn-proto's shape).
//
// Inputs: handle_message(now, rng, from, bytes), handle_timeout(now, rng), and commands
// (create_mesh, join_mesh, leave_mesh, set_alias, ...). Outputs, polled after every input:
// poll_transmit() (messages to send), poll_timeout() (when to call handle_timeout next),
// poll_event() (membership, leader and route changes), and desired_config(mesh) (the WireGuard
// configuration to apply). Time is a monotonic count supplied by the driver; randomness comes
// from the driver's seeded Rng. The node never reads a clock, a file or a socket.
//
// A node may be in several meshes; with advertiseRoute it bridges them (routes.h).
// Not thread-safe: one driver thread calls it.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/desired.h"
#include "core/events.h"
#include "core/mesh.h"
#include "core/params.h"
#include "core/rng.h"
#include "core/routes.h"

namespace smeg {

class Node {
 public:
  // pool: shared record interning (the simulator passes one pool for all nodes); null: own pool.
  Node(KeyPair keys, Params params, RecordPool* pool = nullptr);
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  const PublicKey& public_key() const { return keys_.public_key; }
  const Params& params() const { return params_; }

  // Commands. Errors name the bad argument; nothing changes on error.
  Status create_mesh(Time now, Rng& rng, const std::string& mesh_id, const MeshOptions& options);
  Status join_mesh(Time now, const std::string& mesh_id, const MeshOptions& options,
                   const Endpoint& bootstrap);
  Status leave_mesh(Time now, Rng& rng, const std::string& mesh_id);
  // Takes part in a mesh again from an image saved earlier (mesh_image), without a join: after
  // a restart with persisted state. Validates like create_mesh; see Mesh::resume.
  Status resume_mesh(Time now, Rng& rng, MeshImage image);
  // The image of one mesh as this node holds it now (to persist, or to resume from).
  Result<MeshImage> mesh_image(const std::string& mesh_id) const;
  Status set_alias(Time now, Rng& rng, const std::string& mesh_id, const std::string& alias);
  Status set_description(Time now, Rng& rng, const std::string& mesh_id, const std::string& text);
  Status set_service(Time now, Rng& rng, const std::string& mesh_id, const std::string& name,
                     const std::string& value);
  Status delete_service(Time now, Rng& rng, const std::string& mesh_id, const std::string& name);
  Status set_advertise(Time now, Rng& rng, const std::string& mesh_id, bool routes, bool defaults);

  // Inputs.
  void handle_message(Time now, Rng& rng, const Endpoint& from, std::span<const uint8_t> bytes);
  void handle_timeout(Time now, Rng& rng);

  // Outputs.
  std::optional<Transmit> poll_transmit();
  std::optional<Event> poll_event();
  Time poll_timeout() const;
  // Moves whenever the desired configuration of the mesh may have changed (0: no such mesh);
  // a driver re-applies desired_config() when it differs from the one it applied.
  uint64_t config_generation(const std::string& mesh_id) const;
  // The desired WireGuard configuration of one mesh, computed from the current view.
  Result<DesiredDevice> desired_config(const std::string& mesh_id);
  // Kernel routes decided across all meshes (prefix -> mesh and next hop).
  const std::vector<RouteChoice>& route_choices() const { return choices_; }
  // The routes selected in one mesh.
  const std::vector<SelectedRoute>* selected_routes(const std::string& mesh_id) const;

  // Inspection.
  const Mesh* mesh(const std::string& mesh_id) const;
  std::vector<std::string> mesh_ids() const;
  uint64_t rejected_messages() const { return rejected_; }
  uint64_t bytes_sent() const { return bytes_sent_; }

 private:
  using Services = std::vector<std::pair<std::string, std::string>>;
  Mesh* find(const std::string& mesh_id);
  // Applies a change to our options in one mesh, validates it, publishes; nothing on error.
  Status change_options(Time now, Rng& rng, const std::string& mesh_id,
                        const std::function<void(MeshOptions&)>& change);
  Status change_services(Time now, Rng& rng, const std::string& mesh_id,
                         const std::function<Status(Services&)>& change);
  MeshContext context();
  // After every input: drop failed meshes, recompute routes and re-advertise.
  void after_input(Time now, Rng& rng);
  void recompute_routes(Time now, Rng& rng);

  KeyPair keys_;
  Params params_;
  std::unique_ptr<RecordPool> own_pool_;
  RecordPool* pool_;
  std::map<std::string, Mesh> meshes_;
  std::map<std::string, std::vector<SelectedRoute>> selected_;
  uint64_t route_changes_ = 0;  // selections or kernel route choices changed
  std::vector<RouteChoice> choices_;
  std::deque<Transmit> out_;
  std::deque<Event> events_;
  uint64_t rejected_ = 0;
  uint64_t bytes_sent_ = 0;
};

}  // namespace smeg

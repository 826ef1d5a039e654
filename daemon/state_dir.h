// StateDir: smegd's state directory (DESIGN.md §5), everything a restart needs to come back
// with the same key, the same addresses and the same meshes, without a command.
//
// Layout (nothing else is read; other files are left alone):
//   DIR/                  mode 0700, owned by the daemon's user
//   DIR/private.key       mode 0600: the node's WireGuard private key, base64 and a newline,
//                         exactly what `wg genkey` prints (so `wg pubkey < private.key` works)
//   DIR/ID.mesh           mode 0600: one per mesh the node is in, ID its mesh id; the format
//                         is in persisted_mesh.h (versioned, checksummed, the image inside)
//   DIR/.NAME.*.tmp       a write in progress; open() removes those a crash left behind
//
// Every write is atomic: a temporary file in the same directory, created (O_EXCL) with its
// final mode, written, fsynced, renamed over the target, then the directory fsynced. A reader,
// or a restart after kill -9 or a power cut, sees the old file or the new one, never a mix. On
// a failure before the rename the old file is untouched and the temporary removed; if only the
// final directory fsync fails the new file is in place but perhaps not yet durable, and the
// error says so.
//
// A damaged mesh file does not stop the others from loading: load_meshes() returns the meshes
// it could read and, for each file it could not, an error naming the file, which it leaves in
// place for a human to look at (the daemon logs it and does not take part in that mesh). A
// damaged private.key is an error, never silently replaced: a new key would change the node's
// identity and every address it has.
//
// Errors name the path, the operation and the operating system's reason; no error or warning
// ever contains a private key or a mesh secret. Not thread-safe: one thread uses it.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/identity.h"
#include "core/status.h"
#include "daemon/persisted_mesh.h"

namespace smeg::daemon {

// What load_meshes() found: the meshes it read, sorted by id, and one error per file it could
// not read (each naming the file).
struct LoadedMeshes {
  std::vector<PersistedMesh> meshes;
  std::vector<Status> failures;
};

class StateDir {
 public:
  static constexpr const char* kKeyFile = "private.key";
  static constexpr const char* kMeshSuffix = ".mesh";
  static constexpr size_t kMaxFileBytes = size_t{256} << 20;  // read() refuses larger files

  // Opens the directory at path, creating it and any missing parents with mode 0700. An
  // existing directory with permissions for group or others is tightened to 0700 (a warning
  // says so). Refuses a path that is not a directory or is owned by another user, and one
  // another StateDir holds open (an exclusive lock, held until this one is destroyed).
  static Result<StateDir> open(const std::string& path);

  StateDir(StateDir&& other) noexcept;
  StateDir& operator=(StateDir&& other) noexcept;
  StateDir(const StateDir&) = delete;
  StateDir& operator=(const StateDir&) = delete;
  ~StateDir();

  const std::string& path() const { return path_; }
  // Problems found and fixed so far (loose permissions, leftover temporary files), for the
  // caller to log; taking them clears the list.
  std::vector<std::string> take_warnings();

  // Replaces (or creates) the file `name` in the directory with bytes, atomically, with mode
  // `mode` from its creation on. `name` is a plain file name, not starting with '.'.
  Status write_atomic(std::string_view name, std::span<const uint8_t> bytes, mode_t mode);
  // The contents of the file `name`, or nullopt if there is none.
  Result<std::optional<std::vector<uint8_t>>> read(std::string_view name) const;

  // The node's key pair from private.key, or, if there is none yet, a new one made from the
  // 32 bytes `random` supplies (called only then) and saved with mode 0600.
  Result<KeyPair> load_or_create_identity(const std::function<std::array<uint8_t, 32>()>& random);

  // Saves (atomically replaces) the file of one mesh, mode 0600 (it holds the secret).
  Status save_mesh(const PersistedMesh& mesh);
  // Every mesh file; see LoadedMeshes. Fails only if the directory cannot be listed.
  Result<LoadedMeshes> load_meshes(RecordPool& pool) const;
  // Removes the file of one mesh (no error if there is none).
  Status remove_mesh(std::string_view id);

 private:
  StateDir(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string file_path(std::string_view name) const;
  // The names of the directory's entries, sorted.
  Result<std::vector<std::string>> list() const;
  Status sync_dir(const std::string& what) const;
  Status remove_leftover_temporaries();
  Status tighten_key_mode();

  std::string path_;
  int fd_ = -1;                // the directory, open for *at() calls
  uint64_t temp_counter_ = 0;  // makes temporary names unique within this process
  std::vector<std::string> warnings_;
};

}  // namespace smeg::daemon

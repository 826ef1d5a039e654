// StateDir: what is in it, the node's identity (private.key) and its meshes (ID.mesh).
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <string>
#include <system_error>

#include "daemon/state_dir.h"

namespace smeg::daemon {

namespace {

// The key file's text is a secret: wiped from memory once parsed, never put into a message.
void wipe(void* data, size_t len) {
  if (len > 0) sodium_memzero(data, len);
}

bool has_suffix(const std::string& name, std::string_view suffix) {
  return name.size() > suffix.size() && std::string_view(name).ends_with(suffix);
}

}  // namespace

Status StateDir::tighten_key_mode() {
  struct stat st {};
  if (::fstatat(fd_, kKeyFile, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return Status::io_error("stat " + file_path(kKeyFile) + ": " +
                            std::generic_category().message(errno));
  }
  if ((st.st_mode & 077) == 0) return Status::ok();
  if (::fchmodat(fd_, kKeyFile, 0600, 0) != 0) {
    return Status::io_error("chmod 0600 " + file_path(kKeyFile) + ": " +
                            std::generic_category().message(errno));
  }
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  warnings_.push_back(file_path(kKeyFile) + " had mode " + mode +
                      " (group or others could read the private key); tightened to 0600");
  return Status::ok();
}

Result<KeyPair> StateDir::load_or_create_identity(
    const std::function<std::array<uint8_t, 32>()>& random) {
  auto file = read(kKeyFile);
  if (!file) return file.status();
  if (!*file) {
    std::array<uint8_t, 32> bytes = random();
    const PrivateKey key = PrivateKey::from_random(bytes);
    wipe(bytes.data(), bytes.size());
    std::string text = key.to_base64() + "\n";
    Status s = write_atomic(
        kKeyFile, std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()), 0600);
    wipe(text.data(), text.size());
    if (!s) return s;
    return KeyPair::from_private(key);
  }
  std::vector<uint8_t>& bytes = **file;
  std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (text.ends_with('\n')) text.remove_suffix(1);  // as `wg genkey` writes it
  auto key = PrivateKey::from_base64(text);
  wipe(bytes.data(), bytes.size());
  if (!key) {
    // Not the parser's message: it may quote a character of the key.
    return Status::corruption(file_path(kKeyFile) +
                              " is not a WireGuard private key (44 characters of base64 and a "
                              "newline); refusing to replace it, which would change this "
                              "node's identity and addresses");
  }
  if (Status s = tighten_key_mode(); !s) return s;
  return KeyPair::from_private(*key);
}

Status StateDir::save_mesh(const PersistedMesh& mesh) {
  if (Status s = check_persisted_mesh(mesh); !s) return s;
  std::vector<uint8_t> bytes = encode_persisted_mesh(mesh);
  Status s = write_atomic(mesh.id + kMeshSuffix, bytes, 0600);
  wipe(bytes.data(), bytes.size());
  return s;
}

Result<LoadedMeshes> StateDir::load_meshes(RecordPool& pool) const {
  auto names = list();
  if (!names) return names.status();
  LoadedMeshes loaded;
  for (const std::string& name : *names) {
    if (name.front() == '.' || !has_suffix(name, kMeshSuffix)) continue;
    const std::string path = file_path(name);
    const std::string id = name.substr(0, name.size() - std::string_view(kMeshSuffix).size());
    if (Status s = validate_mesh_id(id); !s) {
      loaded.failures.push_back(
          Status::corruption(path + ": the file name is not a mesh id: " + s.message()));
      continue;
    }
    auto bytes = read(name);
    if (!bytes) {
      loaded.failures.push_back(bytes.status());
      continue;
    }
    if (!*bytes) continue;  // removed since the listing
    auto mesh = decode_persisted_mesh(**bytes, pool);
    wipe((*bytes)->data(), (*bytes)->size());
    if (!mesh) {
      const Status& s = mesh.status();
      loaded.failures.push_back(s.code() == Status::Code::kUnsupported
                                    ? Status::unsupported(path + ": " + s.message())
                                    : Status::corruption(path + ": " + s.message()));
      continue;
    }
    if (mesh->id != id) {
      loaded.failures.push_back(
          Status::corruption(path + ": holds mesh " + mesh->id + ", not " + id));
      continue;
    }
    loaded.meshes.push_back(std::move(*mesh));
  }
  // Not the file names' order: "a-b.mesh" sorts before "a.mesh".
  std::sort(loaded.meshes.begin(), loaded.meshes.end(),
            [](const PersistedMesh& a, const PersistedMesh& b) { return a.id < b.id; });
  return loaded;
}

Status StateDir::remove_mesh(std::string_view id) {
  if (Status s = validate_mesh_id(id); !s) return s;
  const std::string name = std::string(id) + kMeshSuffix;
  if (::unlinkat(fd_, name.c_str(), 0) != 0) {
    if (errno == ENOENT) return Status::ok();
    return Status::io_error("remove " + file_path(name) + ": " +
                            std::generic_category().message(errno));
  }
  return sync_dir("remove " + file_path(name));
}

}  // namespace smeg::daemon

#include "core/params.h"

namespace smeg {

Status Params::validate() const {
  using std::chrono::microseconds;
  if (heartbeat_interval <= microseconds(0)) {
    return Status::invalid_argument("heartbeatInterval must be positive");
  }
  if (sync_interval <= microseconds(0))
    return Status::invalid_argument("syncInterval must be positive");
  if (pull_interval < microseconds(0)) {
    return Status::invalid_argument("pullInterval must be zero (off) or positive");
  }
  if (branch < 1 || branch > 64) return Status::invalid_argument("branch must be in 1..64");
  if (infection_count < 1 || infection_count > 64) {
    return Status::invalid_argument("infectionCount must be in 1..64");
  }
  if (cluster_size < 1) return Status::invalid_argument("clusterSize must be at least 1");
  if (!(inter_cluster_chance >= 0.0 && inter_cluster_chance <= 1.0)) {
    return Status::invalid_argument("interClusterChance must be in [0, 1]");
  }
  if (prune_epochs < 2) return Status::invalid_argument("pruneEpochs must be at least 2");
  if (max_path < 1 || max_path > RecordLimits::kPathLength) {
    return Status::invalid_argument("maxPath must be in 1.." +
                                    std::to_string(RecordLimits::kPathLength));
  }
  if (max_message_bytes < 1200) return Status::invalid_argument("maxMessageBytes must be >= 1200");
  if (join_retry <= microseconds(0)) return Status::invalid_argument("joinRetry must be positive");
  if (join_timeout < join_retry) {
    return Status::invalid_argument("timeout must be at least the join retry interval");
  }
  return Status::ok();
}

namespace {
bool is_label_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

Status validate_label(std::string_view what, std::string_view s, bool allow_underscore) {
  if (s.empty() || s.size() > 63) {
    return Status::invalid_argument(std::string(what) + " must be 1..63 characters");
  }
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool ok = is_label_char(c) || (allow_underscore && i == 0 && c == '_');
    if (!ok) {
      return Status::invalid_argument(std::string(what) + " '" + std::string(s) + "': character " +
                                      std::to_string(i + 1) + " is not a letter, digit or '-'");
    }
  }
  if (s.front() == '-' || s.back() == '-') {
    return Status::invalid_argument(std::string(what) + " '" + std::string(s) +
                                    "' must not start or end with '-'");
  }
  return Status::ok();
}
}  // namespace

Status validate_alias(std::string_view alias) { return validate_label("alias", alias, false); }

Status validate_service(std::string_view name, std::string_view value) {
  if (Status s = validate_label("service name", name, true); !s) return s;
  if (value.size() > RecordLimits::kServiceValue) {
    return Status::invalid_argument("service value longer than " +
                                    std::to_string(RecordLimits::kServiceValue) + " bytes");
  }
  for (char c : value) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Status::invalid_argument("service value contains a control character");
    }
  }
  return Status::ok();
}

Status MeshOptions::validate() const {
  if (!alias.empty()) {
    if (Status s = validate_alias(alias); !s) return s;
  }
  if (description.size() > RecordLimits::kDescription) {
    return Status::invalid_argument("description longer than " +
                                    std::to_string(RecordLimits::kDescription) + " bytes");
  }
  if (role == Role::kClient && (advertise_routes || advertise_defaults)) {
    return Status::invalid_argument(
        "role client cannot advertiseRoute or advertiseDefaults (clients do not route)");
  }
  if (!control) return Status::invalid_argument("control endpoint is required");
  return Status::ok();
}

}  // namespace smeg

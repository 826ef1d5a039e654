// Invites: what one member hands a newcomer so that it can join a mesh, in one line the user
// pastes into `smegctl join-mesh --invite ...`:
//
//   smeg://MESHID@HOST:PORT/SECRET
//
//   MESHID  the mesh id (core/address.h validate_mesh_id: 1..63 of a-z 0-9 '-')
//   HOST    the control endpoint of a member to bootstrap from: a DNS name (kept as text; smegd
//           resolves it), an IPv4 address, or an IPv6 address in brackets ("[fd00::1]")
//   PORT    its control port, 1..65535
//   SECRET  the mesh secret, 43 characters of base64url (daemon/mesh_secret.h)
//
// Unambiguous: no part can contain the separator that ends it ('@', ':' outside brackets, '/').
// Copy-paste safe: no spaces or quotes, all URL-safe characters; whitespace around the invite
// (a trailing newline from a terminal or a mail) is ignored. Shells treat "[...]" as a glob, so
// an invite with an IPv6 host must be quoted on a command line; smegctl prints it quoted.
//
// An invite holds the secret: it is printed only by reveal(), and errors never echo the secret.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include "core/address.h"
#include "core/status.h"
#include "daemon/mesh_secret.h"

namespace smeg::daemon {

struct Invite {
  std::string mesh_id;
  std::string host;  // DNS name or IP literal, IPv6 without brackets
  uint16_t port = 0;
  MeshSecret secret;

  // Parses the form above. The error names the part that is wrong: "invite scheme", "invite
  // mesh id", "invite host", "invite port" or "invite secret".
  static Result<Invite> parse(std::string_view text);
  // Checks every field as parse() does (for invites built from configuration), naming the part.
  Status validate() const;
  // The text form, with the secret: give it only to whoever asked for the invite.
  std::string reveal() const;
  // The host as an address when it is an IP literal; nullopt for a DNS name.
  std::optional<IpAddr> host_ip() const;
};
// GoogleTest's printer, without the secret.
void PrintTo(const Invite& invite, std::ostream* os);

}  // namespace smeg::daemon

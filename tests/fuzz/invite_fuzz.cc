// libFuzzer harness for invites (daemon/invite.h Invite::parse), which smegctl reads from
// whatever the user pasted. Any text must parse or fail with a message naming the part ("invite
// scheme", "invite mesh id", ...); an invite that parses passes validate(), and reveal() gives
// the pasted text again (less surrounding whitespace), which parses back to the same invite.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "daemon/invite.h"

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "%s: %s\n", what, detail.c_str());
  std::abort();
}

bool names_a_part(const std::string& message) {
  for (std::string_view part : {"scheme: ", "mesh id: ", "host: ", "port: ", "secret: "}) {
    if (message.rfind("invite " + std::string(part), 0) == 0) return true;
  }
  return false;
}

std::string_view trimmed(std::string_view s) {
  const char* space = " \t\r\n";
  const size_t first = s.find_first_not_of(space);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(space) - first + 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto invite = smeg::daemon::Invite::parse(text);
  if (!invite) {
    if (!names_a_part(invite.status().message())) {
      fail("error names no part", invite.status().message());
    }
    return 0;
  }
  if (smeg::Status s = invite->validate(); !s) fail("parsed but invalid", s.message());
  const std::string revealed = invite->reveal();
  if (revealed != trimmed(text)) fail("reveal() is not the pasted text", revealed);
  auto again = smeg::daemon::Invite::parse(revealed);
  if (!again) fail("reveal() does not parse", again.status().message());
  if (again->mesh_id != invite->mesh_id || again->host != invite->host ||
      again->port != invite->port || !(again->secret == invite->secret)) {
    fail("reveal() parses to another invite", revealed);
  }
  (void)invite->host_ip();
  return 0;
}

#include "ctl/mesh_request.h"

#include <cstdlib>

namespace smeg::ctl {

using api::Json;

Result<Json> mesh_body(const ParsedFlags& p) {
  Json b = Json::object();
  auto number = [&](const char* flag, const char* field, long min) -> Status {
    const std::string* text = p.find(flag);
    if (!text) return Status::ok();
    long n = -1;
    if (!text->empty() && text->size() <= 5 &&
        text->find_first_not_of("0123456789") == std::string::npos) {
      n = std::strtol(text->c_str(), nullptr, 10);
    }
    if (n < min || n > 65535) {
      return Status::invalid_argument(std::string("--") + flag + ": must be a number " +
                                      std::to_string(min) + "..65535, got \"" + *text + "\"");
    }
    b.set(field, static_cast<int64_t>(n));
    return Status::ok();
  };
  if (Status s = number("wgport", "wgPort", 1); !s) return s;
  if (Status s = number("KeepAliveWg", "keepAliveWg", 0); !s) return s;
  if (const std::string* role = p.find("role")) {
    if (*role != "peer" && *role != "client") {
      return Status::invalid_argument("--role: must be peer or client, got \"" + *role + "\"");
    }
    b.set("role", *role);
  }
  for (const char* text : {"endpoint", "alias", "description"}) {
    if (const std::string* value = p.find(text)) b.set(text, *value);
  }
  // Only what was asked for is sent: the configuration's advertise settings stay in force
  // otherwise (the original's CLI silently overrode them).
  if (p.switches.count("advertise")) b.set("advertiseRoutes", true);
  if (p.switches.count("defaults")) b.set("advertiseDefaults", true);
  return b;
}

Result<std::string> join_invite(const Verb& v, const ParsedFlags& p) {
  const char* parts[] = {"meshid", "ip", "secret"};
  if (const std::string* invite = p.find("invite")) {
    for (const char* part : parts) {
      if (p.find(part)) {
        return Status::invalid_argument(std::string(v.name) + ": --" + part +
                                        " cannot be given with --invite");
      }
    }
    return *invite;
  }
  if (!p.find("meshid") && !p.find("ip") && !p.find("secret")) {
    return Status::invalid_argument(std::string(v.name) +
                                    ": --invite is required (or --meshid, --ip and --secret)");
  }
  std::string values[3];
  for (int i = 0; i < 3; ++i) {
    auto value = required(v, p, parts[i]);
    if (!value) return value.status();
    values[i] = *value;
  }
  return "smeg://" + values[0] + "@" + values[1] + "/" + values[2];
}

}  // namespace smeg::ctl

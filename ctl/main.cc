// smegctl: administers smegd through its local API (see ctl/smegctl.h for the verbs).
#include <iostream>
#include <string>
#include <vector>

#include "ctl/smegctl.h"
#include "daemon/api/http_client.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string socket = smeg::ctl::default_socket();
  // --socket PATH may come before the verb.
  while (!args.empty() && (args[0] == "--socket" || args[0].rfind("--socket=", 0) == 0)) {
    if (args[0] == "--socket") {
      if (args.size() < 2) {
        std::cerr << "smegctl: --socket needs a value\n";
        return 2;
      }
      socket = args[1];
      args.erase(args.begin(), args.begin() + 2);
    } else {
      socket = args[0].substr(9);
      args.erase(args.begin());
    }
  }
  auto api = [&](const std::string& method, const std::string& target,
                 const std::string& body) -> smeg::Result<smeg::ctl::ApiReply> {
    auto r = smeg::daemon::http_request(socket, method, target, body);
    if (!r) return r.status();
    return smeg::ctl::ApiReply{r->status, std::move(r->body)};
  };
  return smeg::ctl::run(args, api, std::cout, std::cerr);
}

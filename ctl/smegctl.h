// smegctl: the command line of smegd's local API. The original's verbs and flags (new-mesh,
// list-meshes, join-mesh, leave-mesh, get-graph, query-mesh, put-description, put-alias,
// set-service, delete-service), plus status, peers, invite and graph. Every read verb (all but
// those that change something) takes --json: the API's document as it is (peers: the
// documents of the meshes it shows, in an array); every verb takes --help. Flags: ctl/flags.h.
//
// Exit codes: 0 done; 1 smegd refused or failed (its message and HTTP status are printed), is
// not running, or answered something this smegctl does not understand (which answer and
// why); 2 bad usage (the message names the flag, argument or verb; nothing is requested).
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "core/status.h"

namespace smeg::ctl {

// How smegctl reaches smegd: an HTTP request on the API socket (tests swap it).
struct ApiReply {
  unsigned status = 0;
  std::string body;
};
using ApiCall = std::function<Result<ApiReply>(const std::string& method, const std::string& target,
                                               const std::string& body)>;

// Runs one smegctl command line (args without the program name) against `api`.
int run(const std::vector<std::string>& args, const ApiCall& api, std::ostream& out,
        std::ostream& err);

// The API socket smegctl uses: --socket, else $SMEG_SOCKET, else smegd's default.
std::string default_socket();

}  // namespace smeg::ctl

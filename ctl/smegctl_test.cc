#include "ctl/smegctl.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "ctl/graph.h"
#include "ctl/graph_json.h"
#include "daemon/api/json.h"

namespace smeg::ctl {
namespace {

namespace fs = std::filesystem;
using api::Json;

// smegd's answers, in the shapes daemon/api_routes.cc gives them.
const std::string kAlice = "AAAAaaaaAAAAaaaaAAAAaaaaAAAAaaaaAAAAaaaa0=1";
const std::string kBob = "BBBBbbbbBBBBbbbbBBBBbbbbBBBBbbbbBBBBbbbb0+2";
const std::string kInvite =
    "smeg://alpha@192.0.2.1:7000/c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2V";
const std::string kInvite6 =
    "smeg://alpha@[fd00::1]:7000/c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2V";

const std::string kMeshList = R"([
  {"id": "alpha", "interface": "smeg0", "state": "member", "role": "peer", "members": 2,
   "leader": ")" + kAlice + R"(", "address": "fd12::a"},
  {"id": "beta", "interface": "smeg1", "state": "joining", "role": "client"}
])";

// clang-format off
const std::string kAlphaDocument = R"json({
  "id": "alpha", "interface": "smeg0", "state": "member", "role": "peer", "members": 2,
  "leader": ")json" + kAlice + R"json(", "address": "fd12::a", "prefix": "fd12::/64",
  "self": ")json" + kAlice + R"json(",
  "nodes": [
    {"key": ")json" + kAlice + R"json(", "alias": "alice", "address": "fd12::a", "role": "peer",
     "alive": true, "leader": true, "self": true, "control": "192.0.2.1:7000",
     "wgEndpoint": "192.0.2.1:51820", "description": "", "services": {"http": "tcp/8080"},
     "routes": []},
    {"key": ")json" + kBob + R"json(", "alias": "", "address": "fd12::b", "role": "peer",
     "alive": false, "leader": false, "self": false, "control": null,
     "wgEndpoint": "[2001:db8::2]:51820", "description": "bob's box", "services": {},
     "routes": [{"prefix": "::/0", "path": []}],
     "wireguard": {"endpoint": "[2001:db8::2]:51820", "lastHandshakeUnix": 0,
                   "rxBytes": 1234, "txBytes": 5678}}
  ],
  "routes": [{"prefix": "::/0", "via": ")json" + kBob + R"json(", "path": []}]
})json";

const std::string kStatus = R"json({
  "node": ")json" + kAlice + R"json(", "uptimeSeconds": 42, "controlPort": 7000,
  "backend": "none (stubWg)",
  "meshes": [
    {"id": "alpha", "interface": "smeg0", "state": "member", "role": "peer", "members": 2,
     "leader": null, "address": "fd12::a", "lastError": "wg: device busy"}
  ],
  "rejectedMessages": {"badSeal": 3, "undecodable": 0}
})json";

// clang-format on
const std::string kGraph = R"({"meshes": [)" + kAlphaDocument + "]}";

// smegd as smegctl sees it: records every request, answers from a script (unscripted
// requests get the 404 smegd gives an unknown resource).
class FakeSmegd {
 public:
  struct Request {
    std::string method, target, body;
  };

  void answer(const std::string& method, const std::string& target, unsigned status,
              std::string body) {
    answers_[method + " " + target] = ApiReply{status, std::move(body)};
  }
  // Every request fails as http_request fails when nothing listens on the socket.
  void stop() { running_ = false; }

  ApiCall api() {
    return [this](const std::string& method, const std::string& target,
                  const std::string& body) -> Result<ApiReply> {
      requests.push_back({method, target, body});
      if (!running_) {
        return Status::not_found("smegd is not running (no socket at /run/smeg/smegd.sock)");
      }
      auto it = answers_.find(method + " " + target);
      if (it == answers_.end()) {
        return ApiReply{404, R"({"error": "no such resource: )" + target + "\"}"};
      }
      return it->second;
    };
  }

  std::vector<Request> requests;

 private:
  std::map<std::string, ApiReply> answers_;
  bool running_ = true;
};

struct Outcome {
  int code;
  std::string out, err;
};

Outcome run_ctl(FakeSmegd& smegd, const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = run(args, smegd.api(), out, err);
  return {code, out.str(), err.str()};
}

Json parsed(const std::string& text) {
  auto j = api::parse(text);
  EXPECT_TRUE(j) << j.status().to_string() << " in " << text;
  return j ? *j : Json();
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The lines of `text`.
std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> v;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) v.push_back(l);
  return v;
}

// The words of one line.
std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  return {std::istream_iterator<std::string>(in), std::istream_iterator<std::string>()};
}

// ---- Usage ----------------------------------------------------------------------------------

TEST(SmegctlUsage, NoArgumentsPrintsUsageOnStderrAndExits2) {
  FakeSmegd smegd;
  auto r = run_ctl(smegd, {});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(r.out.empty());
  EXPECT_TRUE(contains(r.err, "usage: smegctl")) << r.err;
  EXPECT_TRUE(contains(r.err, "new-mesh")) << r.err;
  EXPECT_TRUE(smegd.requests.empty());
}

TEST(SmegctlUsage, HelpPrintsUsageOnStdoutAndExits0) {
  for (const std::string help : {"--help", "-h", "help"}) {
    FakeSmegd smegd;
    auto r = run_ctl(smegd, {help});
    EXPECT_EQ(r.code, 0) << help;
    EXPECT_TRUE(r.err.empty()) << help;
    for (const char* verb : {"new-mesh", "list-meshes", "join-mesh", "leave-mesh", "get-graph",
                             "query-mesh", "put-description", "put-alias", "set-service",
                             "delete-service", "status", "peers", "invite", "graph"}) {
      EXPECT_TRUE(contains(r.out, std::string("  ") + verb + " ")) << verb << " in " << r.out;
    }
    EXPECT_TRUE(smegd.requests.empty());
  }
}

TEST(SmegctlUsage, AnUnknownVerbIsNamed) {
  FakeSmegd smegd;
  auto r = run_ctl(smegd, {"frobnicate", "-m", "alpha"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "unknown verb \"frobnicate\"")) << r.err;
  EXPECT_TRUE(r.out.empty());
  EXPECT_TRUE(smegd.requests.empty());
}

TEST(SmegctlUsage, AnUnknownFlagIsNamedWithTheVerb) {
  FakeSmegd smegd;
  auto r = run_ctl(smegd, {"leave-mesh", "--bogus", "-m", "alpha"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "leave-mesh: unknown flag \"--bogus\"")) << r.err;
  // The verb's own usage follows, so the user sees what it takes.
  EXPECT_TRUE(contains(r.err, "usage: smegctl leave-mesh")) << r.err;
  EXPECT_TRUE(smegd.requests.empty());
  // --json belongs to the read verbs only.
  r = run_ctl(smegd, {"leave-mesh", "-m", "alpha", "--json"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "leave-mesh: unknown flag \"--json\"")) << r.err;
  EXPECT_TRUE(smegd.requests.empty());
}

TEST(SmegctlUsage, AStrayArgumentIsNamed) {
  FakeSmegd smegd;
  auto r = run_ctl(smegd, {"leave-mesh", "alpha"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "leave-mesh: unexpected argument \"alpha\"")) << r.err;
  EXPECT_TRUE(smegd.requests.empty());
}

TEST(SmegctlUsage, AFlagWithoutItsValueIsNamed) {
  FakeSmegd smegd;
  auto r = run_ctl(smegd, {"leave-mesh", "-m"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "leave-mesh: --mesh needs a value")) << r.err;
  // The next flag is not taken for the value.
  r = run_ctl(smegd, {"new-mesh", "-p", "-e", "host.example"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "new-mesh: --wgport needs a value")) << r.err;
  r = run_ctl(smegd, {"invite", "-m", "--json"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "invite: --mesh needs a value")) << r.err;
  EXPECT_TRUE(smegd.requests.empty());
}

// After "=", a value may look like a flag; so may one that is no flag of the verb.
TEST(SmegctlUsage, AValueThatLooksLikeAFlagGoesAfterEquals) {
  FakeSmegd smegd;
  smegd.answer("PUT", "/v1/meshes/alpha/description", 200, R"({"description": "-m"})");
  auto r = run_ctl(smegd, {"put-description", "--description=-m", "-m", "alpha"});
  EXPECT_EQ(r.code, 0) << r.err;
  r = run_ctl(smegd, {"put-description", "-d", "-x", "--mesh", "alpha"});
  EXPECT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(smegd.requests.size(), 2u);
  EXPECT_EQ(smegd.requests[0].body, R"({"description":"-m"})");
  EXPECT_EQ(smegd.requests[1].body, R"({"description":"-x"})");
}

TEST(SmegctlUsage, ASwitchTakesNoValue) {
  FakeSmegd smegd;
  auto r = run_ctl(smegd, {"new-mesh", "--advertise=yes"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "new-mesh: --advertise takes no value")) << r.err;
  EXPECT_TRUE(smegd.requests.empty());
}

TEST(SmegctlUsage, EveryVerbHasHelpListingItsFlags) {
  const std::map<std::string, std::vector<std::string>> flags = {
      {"new-mesh",
       {"-p, --wgport", "-e, --endpoint", "-r, --role", "-k, --KeepAliveWg", "-a, --advertise",
        "-d, --defaults", "--alias", "--description"}},
      {"list-meshes", {"--json"}},
      {"join-mesh",
       {"--invite", "-m, --meshid", "-i, --ip", "--secret", "-p, --wgport", "-a, --advertise"}},
      {"leave-mesh", {"-m, --mesh"}},
      {"get-graph", {"--json"}},
      {"graph", {"-f, --format", "-o, --output", "--json"}},
      {"query-mesh", {"-m, --mesh", "-q, --query", "--json"}},
      {"put-description", {"-d, --description", "-m, --mesh"}},
      {"put-alias", {"-a, --alias", "-m, --mesh"}},
      {"set-service", {"-s, --service", "-v, --value", "-m, --mesh"}},
      {"delete-service", {"-s, --service", "-m, --mesh"}},
      {"status", {"--json"}},
      {"peers", {"-m, --mesh", "--json"}},
      {"invite", {"-m, --mesh", "--json"}},
  };
  for (const auto& [verb, expected] : flags) {
    FakeSmegd smegd;
    auto r = run_ctl(smegd, {verb, "--help"});
    EXPECT_EQ(r.code, 0) << verb;
    EXPECT_EQ(run_ctl(smegd, {verb, "-h"}).out, r.out) << verb;
    EXPECT_TRUE(r.err.empty()) << verb << ": " << r.err;
    EXPECT_TRUE(contains(r.out, "usage: smegctl " + verb + " ")) << r.out;
    EXPECT_TRUE(contains(r.out, "--help")) << r.out;
    for (const std::string& f : expected) {
      EXPECT_TRUE(contains(r.out, f)) << verb << " lacks " << f << ":\n" << r.out;
    }
    EXPECT_TRUE(smegd.requests.empty()) << verb;
  }
}

TEST(SmegctlUsage, RequiredFlagsAreNamed) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"leave-mesh"}, "leave-mesh: --mesh is required"},
      {{"leave-mesh", "-m", ""}, "leave-mesh: --mesh is required"},
      {{"invite"}, "invite: --mesh is required"},
      {{"query-mesh", "-q", "nodes"}, "query-mesh: --mesh is required"},
      {{"put-description", "-d", "text"}, "put-description: --mesh is required"},
      {{"put-description", "-m", "alpha"}, "put-description: --description is required"},
      {{"put-alias", "-a", "bob"}, "put-alias: --mesh is required"},
      {{"put-alias", "-m", "alpha"}, "put-alias: --alias is required"},
      {{"set-service", "-m", "alpha", "-v", "80"}, "set-service: --service is required"},
      {{"set-service", "-m", "alpha", "-s", "http"}, "set-service: --value is required"},
      {{"set-service", "-s", "http", "-v", "80"}, "set-service: --mesh is required"},
      {{"delete-service", "-m", "alpha"}, "delete-service: --service is required"},
      {{"delete-service", "-s", "http"}, "delete-service: --mesh is required"},
      {{"join-mesh"}, "join-mesh: --invite is required"},
      {{"join-mesh", "-m", "alpha", "-i", "192.0.2.1:7000"}, "join-mesh: --secret is required"},
      {{"join-mesh", "-m", "alpha", "--secret", "S"}, "join-mesh: --ip is required"},
      {{"join-mesh", "-i", "192.0.2.1:7000", "--secret", "S"}, "join-mesh: --meshid is required"},
  };
  for (const auto& [args, message] : cases) {
    FakeSmegd smegd;
    auto r = run_ctl(smegd, args);
    EXPECT_EQ(r.code, 2) << message;
    EXPECT_TRUE(contains(r.err, message)) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_TRUE(smegd.requests.empty()) << message;
  }
}

TEST(SmegctlUsage, JoinTakesAnInviteOrItsPartsNotBoth) {
  FakeSmegd smegd;
  auto r = run_ctl(smegd, {"join-mesh", "--invite", kInvite, "-m", "beta"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "join-mesh: --meshid cannot be given with --invite")) << r.err;
  EXPECT_TRUE(smegd.requests.empty());
}

// ---- The original's verbs -------------------------------------------------------------------

TEST(SmegctlVerbs, NewMeshSendsEveryFlagAndPrintsTheId) {
  FakeSmegd smegd;
  smegd.answer("POST", "/v1/meshes", 201, R"({"id": "alpha", "invite": ")" + kInvite + "\"}");
  auto r = run_ctl(smegd, {"new-mesh", "-p", "51821", "-e", "host.example", "-r", "peer", "-k",
                           "25", "-a", "-d", "--alias", "alice", "--description", "the hub"});
  EXPECT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(smegd.requests.size(), 1u);
  EXPECT_EQ(smegd.requests[0].method, "POST");
  EXPECT_EQ(smegd.requests[0].target, "/v1/meshes");
  EXPECT_EQ(smegd.requests[0].body,
            R"({"wgPort":51821,"keepAliveWg":25,"role":"peer","endpoint":"host.example",)"
            R"("alias":"alice","description":"the hub","advertiseRoutes":true,)"
            R"("advertiseDefaults":true})");
  EXPECT_EQ(r.out, "alpha\n");
  EXPECT_EQ(r.err, "invite others with: smegctl join-mesh --invite " + kInvite + "\n");
}

TEST(SmegctlVerbs, NewMeshTakesLongFlagsInAnyCaseAndWithEquals) {
  FakeSmegd smegd;
  smegd.answer("POST", "/v1/meshes", 201, R"({"id": "alpha", "invite": ")" + kInvite + "\"}");
  auto r = run_ctl(smegd, {"new-mesh", "--wgport=51821", "--keepalivewg", "0", "--role=client",
                           "--advertise", "--endpoint", "[2001:db8::1]"});
  EXPECT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(smegd.requests.size(), 1u);
  EXPECT_EQ(smegd.requests[0].body,
            R"({"wgPort":51821,"keepAliveWg":0,"role":"client","endpoint":"[2001:db8::1]",)"
            R"("advertiseRoutes":true})");
}

// The original's CLI sent advertise=false when -a/-d were absent, overriding the YAML.
TEST(SmegctlVerbs, NewMeshWithoutAdvertiseFlagsLeavesTheConfigurationInForce) {
  FakeSmegd smegd;
  smegd.answer("POST", "/v1/meshes", 201, R"({"id": "alpha", "invite": ")" + kInvite + "\"}");
  auto r = run_ctl(smegd, {"new-mesh"});
  EXPECT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(smegd.requests.size(), 1u);
  EXPECT_EQ(smegd.requests[0].body, "{}");
  r = run_ctl(smegd, {"new-mesh", "-p", "51821", "-r", "peer"});
  ASSERT_EQ(smegd.requests.size(), 2u);
  EXPECT_EQ(smegd.requests[1].body, R"({"wgPort":51821,"role":"peer"})");
  EXPECT_FALSE(contains(smegd.requests[1].body, "advertise"));
  // Same for join-mesh.
  smegd.answer("POST", "/v1/meshes/join", 200, R"({"id": "alpha"})");
  r = run_ctl(smegd, {"join-mesh", "--invite", kInvite, "-r", "client"});
  ASSERT_EQ(smegd.requests.size(), 3u);
  EXPECT_EQ(smegd.requests[2].body, R"({"role":"client","invite":")" + kInvite + "\"}");
}

TEST(SmegctlVerbs, NewMeshWithoutAnInviteInTheAnswerPrintsNoHint) {
  FakeSmegd smegd;
  smegd.answer("POST", "/v1/meshes", 201, R"({"id": "alpha"})");
  auto r = run_ctl(smegd, {"new-mesh"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "alpha\n");
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(SmegctlVerbs, BadValuesAreNamedAndNothingIsRequested) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"new-mesh", "-p", "70000"}, "--wgport: must be a number 1..65535, got \"70000\""},
      {{"new-mesh", "-p", "0"}, "--wgport: must be a number 1..65535, got \"0\""},
      {{"new-mesh", "-p", "-1"}, "--wgport: must be a number 1..65535, got \"-1\""},
      {{"new-mesh", "-p", " 51820"}, "--wgport: must be a number 1..65535, got \" 51820\""},
      {{"new-mesh", "-p", "51820x"}, "--wgport: must be a number 1..65535, got \"51820x\""},
      {{"new-mesh", "-p", ""}, "--wgport: must be a number 1..65535, got \"\""},
      {{"new-mesh", "-k", "often"}, "--KeepAliveWg: must be a number 0..65535, got \"often\""},
      {{"new-mesh", "-k", "99999999999999999999"},
       "--KeepAliveWg: must be a number 0..65535, got \"99999999999999999999\""},
      {{"new-mesh", "-r", "router"}, "--role: must be peer or client, got \"router\""},
      {{"join-mesh", "--invite", kInvite, "-r", "router"},
       "--role: must be peer or client, got \"router\""},
      {{"graph", "--format", "jpeg"}, "--format: must be dot, svg or png, got \"jpeg\""},
  };
  for (const auto& [args, message] : cases) {
    FakeSmegd smegd;
    auto r = run_ctl(smegd, args);
    EXPECT_EQ(r.code, 2) << message;
    EXPECT_TRUE(contains(r.err, message)) << r.err;
    EXPECT_TRUE(r.out.empty());
    EXPECT_TRUE(smegd.requests.empty()) << message;
  }
}

TEST(SmegctlVerbs, ListMeshesPrintsATable) {
  FakeSmegd smegd;
  smegd.answer("GET", "/v1/meshes", 200, kMeshList);
  auto r = run_ctl(smegd, {"list-meshes"});
  EXPECT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(smegd.requests.size(), 1u);
  EXPECT_EQ(smegd.requests[0].method, "GET");
  EXPECT_EQ(smegd.requests[0].body, "");
  auto l = lines(r.out);
  ASSERT_EQ(l.size(), 3u) << r.out;
  EXPECT_EQ(words(l[0]),
            (std::vector<std::string>{"MESH", "INTERFACE", "ROLE", "STATE", "MEMBERS", "ADDRESS"}));
  EXPECT_EQ(words(l[1]),
            (std::vector<std::string>{"alpha", "smeg0", "peer", "member", "2", "fd12::a"}));
  EXPECT_EQ(words(l[2]),
            (std::vector<std::string>{"beta", "smeg1", "client", "joining", "-", "-"}));
  // The columns line up.
  EXPECT_EQ(l[0].find("INTERFACE"), l[1].find("smeg0"));
  EXPECT_EQ(l[0].find("ADDRESS"), l[1].find("fd12::a"));
}

TEST(SmegctlVerbs, ListMeshesWithNoMeshesPrintsTheHeader) {
  FakeSmegd smegd;
  smegd.answer("GET", "/v1/meshes", 200, "[]");
  auto r = run_ctl(smegd, {"list-meshes"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(lines(r.out).size(), 1u) << r.out;
}

TEST(SmegctlVerbs, JoinMeshWithAnInvite) {
  FakeSmegd smegd;
  smegd.answer("POST", "/v1/meshes/join", 200, R"({"id": "alpha"})");
  auto r = run_ctl(smegd, {"join-mesh", "--invite", kInvite, "-e", "me.example", "-k", "25",
                           "--alias", "carol", "-d"});
  EXPECT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(smegd.requests.size(), 1u);
  EXPECT_EQ(smegd.requests[0].method, "POST");
  EXPECT_EQ(smegd.requests[0].target, "/v1/meshes/join");
  EXPECT_EQ(smegd.requests[0].body, R"({"keepAliveWg":25,"endpoint":"me.example","alias":"carol",)"
                                    R"("advertiseDefaults":true,"invite":")" +
                                        kInvite + "\"}");
  EXPECT_EQ(r.out, "joined alpha\n");
}

TEST(SmegctlVerbs, JoinMeshWithTheOriginalsFlags) {
  FakeSmegd smegd;
  smegd.answer("POST", "/v1/meshes/join", 200, R"({"id": "alpha"})");
  auto r = run_ctl(smegd, {"join-mesh", "-m", "alpha", "-i", "192.0.2.1:7000", "--secret",
                           "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2V"});
  EXPECT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(smegd.requests.size(), 1u);
  EXPECT_EQ(smegd.requests[0].body, R"({"invite":")" + kInvite + "\"}");
  EXPECT_EQ(r.out, "joined alpha\n");
}

TEST(SmegctlVerbs, LeaveMesh) {
  FakeSmegd smegd;
  smegd.answer("DELETE", "/v1/meshes/alpha", 200, R"({"left": "alpha"})");
  auto r = run_ctl(smegd, {"leave-mesh", "-m", "alpha"});
  EXPECT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(smegd.requests.size(), 1u);
  EXPECT_EQ(smegd.requests[0].method, "DELETE");
  EXPECT_EQ(smegd.requests[0].body, "");
  EXPECT_EQ(r.out, "left alpha\n");
  EXPECT_TRUE(r.err.empty());
}

TEST(SmegctlVerbs, OddCharactersAreEscapedInTheUrl) {
  FakeSmegd smegd;
  run_ctl(smegd, {"leave-mesh", "-m", "a b/c?d#e%f"});
  run_ctl(smegd, {"invite", "-m", "al&pha=1"});
  run_ctl(smegd, {"set-service", "-m", "alpha", "-s", "my svc/é", "-v", "80"});
  run_ctl(smegd, {"delete-service", "-m", "alpha", "-s", "../x"});
  run_ctl(smegd, {"put-alias", "-m", "~a_b-c.d", "-a", "x"});
  ASSERT_EQ(smegd.requests.size(), 5u);
  EXPECT_EQ(smegd.requests[0].target, "/v1/meshes/a%20b%2Fc%3Fd%23e%25f");
  EXPECT_EQ(smegd.requests[1].target, "/v1/meshes/al%26pha%3D1/invite");
  EXPECT_EQ(smegd.requests[2].target, "/v1/meshes/alpha/services/my%20svc%2F%C3%A9");
  EXPECT_EQ(smegd.requests[3].target, "/v1/meshes/alpha/services/..%2Fx");
  EXPECT_EQ(smegd.requests[4].target, "/v1/meshes/~a_b-c.d/alias");
}

TEST(SmegctlVerbs, GetGraphPrintsTheDotOfTheModel) {
  FakeSmegd smegd;
  smegd.answer("GET", "/v1/graph", 200, kGraph);
  auto r = run_ctl(smegd, {"get-graph"});
  EXPECT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(smegd.requests.size(), 1u);
  EXPECT_EQ(smegd.requests[0].method, "GET");
  EXPECT_EQ(smegd.requests[0].target, "/v1/graph");
  auto model = graph_model_from_json(parsed(kGraph));
  ASSERT_TRUE(model);
  auto dot = to_dot(*model);
  ASSERT_TRUE(dot);
  EXPECT_EQ(r.out, *dot);
  EXPECT_TRUE(contains(r.out, "alice")) << r.out;
}

TEST(SmegctlVerbs, GetGraphOfABadDocumentNamesTheField) {
  FakeSmegd smegd;
  smegd.answer("GET", "/v1/graph", 200, R"({"meshes": [{"nodes": []}]})");
  auto r = run_ctl(smegd, {"get-graph"});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "meshes[0].id is missing")) << r.err;
  EXPECT_TRUE(r.out.empty());
}

TEST(SmegctlVerbs, QueryMeshEscapesTheExpressionAndPrintsTheResult) {
  FakeSmegd smegd;
  const std::string target =
      "/v1/query?mesh=alpha&q=nodes%5B%3Falias%3D%3D%27bob%20%2B%201%27%5D.address";
  smegd.answer("GET", target, 200, R"(["fd12::b"])");
  auto r = run_ctl(smegd, {"query-mesh", "-m", "alpha", "-q", "nodes[?alias=='bob + 1'].address"});
  EXPECT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(smegd.requests.size(), 1u);
  EXPECT_EQ(smegd.requests[0].method, "GET");
  EXPECT_EQ(smegd.requests[0].target, target);
  EXPECT_EQ(r.out, "[\n  \"fd12::b\"\n]\n");
  // Without -q: the whole document.
  smegd.answer("GET", "/v1/query?mesh=alpha&q=%40", 200, kAlphaDocument);
  r = run_ctl(smegd, {"query-mesh", "-m", "alpha"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(parsed(r.out), parsed(kAlphaDocument));
}

TEST(SmegctlVerbs, PutDescriptionAndAlias) {
  FakeSmegd smegd;
  smegd.answer("PUT", "/v1/meshes/alpha/description", 200, R"({"description": "x"})");
  smegd.answer("PUT", "/v1/meshes/alpha/alias", 200, R"({"alias": "bob"})");
  auto r = run_ctl(smegd, {"put-description", "-d", "a \"quoted\"\ttext\\", "-m", "alpha"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  r = run_ctl(smegd, {"put-alias", "-a", "bob", "-m", "alpha"});
  EXPECT_EQ(r.code, 0) << r.err;
  // An empty description clears it.
  r = run_ctl(smegd, {"put-description", "-d", "", "-m", "alpha"});
  EXPECT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(smegd.requests.size(), 3u);
  EXPECT_EQ(smegd.requests[0].method, "PUT");
  EXPECT_EQ(smegd.requests[0].target, "/v1/meshes/alpha/description");
  EXPECT_EQ(smegd.requests[0].body, R"({"description":"a \"quoted\"\ttext\\"})");
  EXPECT_EQ(smegd.requests[1].method, "PUT");
  EXPECT_EQ(smegd.requests[1].target, "/v1/meshes/alpha/alias");
  EXPECT_EQ(smegd.requests[1].body, R"({"alias":"bob"})");
  EXPECT_EQ(smegd.requests[2].body, R"({"description":""})");
}

TEST(SmegctlVerbs, SetAndDeleteService) {
  FakeSmegd smegd;
  smegd.answer("PUT", "/v1/meshes/alpha/services/http", 200, R"({"http": "tcp/8080"})");
  smegd.answer("DELETE", "/v1/meshes/alpha/services/http", 200, R"({"deleted": "http"})");
  auto r = run_ctl(smegd, {"set-service", "-s", "http", "-v", "tcp/8080", "-m", "alpha"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  r = run_ctl(smegd, {"delete-service", "-s", "http", "-m", "alpha"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  ASSERT_EQ(smegd.requests.size(), 2u);
  EXPECT_EQ(smegd.requests[0].method, "PUT");
  EXPECT_EQ(smegd.requests[0].target, "/v1/meshes/alpha/services/http");
  EXPECT_EQ(smegd.requests[0].body, R"({"value":"tcp/8080"})");
  EXPECT_EQ(smegd.requests[1].method, "DELETE");
  EXPECT_EQ(smegd.requests[1].target, "/v1/meshes/alpha/services/http");
  EXPECT_EQ(smegd.requests[1].body, "");
}

// ---- Our verbs ------------------------------------------------------------------------------

TEST(SmegctlVerbs, StatusPrintsTheNodeAndItsMeshes) {
  FakeSmegd smegd;
  smegd.answer("GET", "/v1/status", 200, kStatus);
  auto r = run_ctl(smegd, {"status"});
  EXPECT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(smegd.requests.size(), 1u);
  EXPECT_EQ(smegd.requests[0].method, "GET");
  EXPECT_EQ(smegd.requests[0].target, "/v1/status");
  EXPECT_TRUE(contains(r.out, "node:      " + kAlice + "\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "uptime:    42 s\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "control:   UDP port 7000\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "backend:   none (stubWg)\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "meshes:    1\n")) << r.out;
  EXPECT_TRUE(contains(r.out,
                       "  alpha on smeg0: member, 2 members, address fd12::a, "
                       "last error: wg: device busy\n"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "badSeal")) << r.out;
}

TEST(SmegctlVerbs, PeersListsTheMembersOfEveryMesh) {
  FakeSmegd smegd;
  smegd.answer("GET", "/v1/meshes", 200, R"([{"id": "alpha"}])");
  smegd.answer("GET", "/v1/meshes/alpha", 200, kAlphaDocument);
  auto r = run_ctl(smegd, {"peers"});
  EXPECT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(smegd.requests.size(), 2u);
  EXPECT_EQ(smegd.requests[0].target, "/v1/meshes");
  EXPECT_EQ(smegd.requests[1].target, "/v1/meshes/alpha");
  auto l = lines(r.out);
  ASSERT_EQ(l.size(), 3u) << r.out;
  EXPECT_EQ(words(l[0]), (std::vector<std::string>{"MESH", "ALIAS", "ADDRESS", "ROLE", "STATE",
                                                   "ENDPOINT", "HANDSHAKE", "RX", "TX", "FLAGS"}));
  // No WireGuard stats for alice (this node): its advertised endpoint.
  EXPECT_EQ(words(l[1]),
            (std::vector<std::string>{"alpha", "alice", "fd12::a", "peer", "alive",
                                      "192.0.2.1:51820", "-", "-", "-", "self", "leader"}));
  EXPECT_EQ(words(l[2]),
            (std::vector<std::string>{"alpha", "-", "fd12::b", "peer", "silent",
                                      "[2001:db8::2]:51820", "never", "1234", "5678", "-"}));
}

TEST(SmegctlVerbs, PeersOfOneMesh) {
  FakeSmegd smegd;
  smegd.answer("GET", "/v1/meshes/alpha", 200, kAlphaDocument);
  auto r = run_ctl(smegd, {"peers", "-m", "alpha"});
  EXPECT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(smegd.requests.size(), 1u);
  EXPECT_EQ(smegd.requests[0].target, "/v1/meshes/alpha");
  EXPECT_EQ(lines(r.out).size(), 3u) << r.out;
}

TEST(SmegctlVerbs, PeersWithAnEmptyMeshIdIsRefused) {
  FakeSmegd smegd;
  auto r = run_ctl(smegd, {"peers", "-m", ""});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "peers: --mesh is required")) << r.err;
  EXPECT_TRUE(smegd.requests.empty());
}

// Another member chooses its alias, and smegd passes it on as it came: what reaches the
// terminal has no control characters.
TEST(SmegctlVerbs, ControlCharactersReachTheTerminalEscaped) {
  Json doc = parsed(kAlphaDocument);
  Json evil = doc["nodes"][1];
  evil.set("alias",
           "bob\x1b]0;owned\x07\xc2\x9b"
           "2J\n");
  Json nodes = Json::array().push(doc["nodes"][0]).push(evil);
  doc.set("nodes", nodes);
  FakeSmegd smegd;
  smegd.answer("GET", "/v1/meshes/alpha", 200, doc.dump());
  smegd.answer("DELETE", "/v1/meshes/alpha", 409, R"({"error": "busy\u001b[2J"})");
  auto r = run_ctl(smegd, {"peers", "-m", "alpha"});
  EXPECT_EQ(r.code, 0) << r.err;
  auto l = lines(r.out);
  ASSERT_EQ(l.size(), 3u) << r.out;
  EXPECT_EQ(words(l[2])[1], "bob\\x1b]0;owned\\x07\\u009b2J\\x0a");
  r = run_ctl(smegd, {"leave-mesh", "-m", "alpha"});
  EXPECT_EQ(r.err, "smegctl: busy\\x1b[2J (HTTP 409)\n");
  // --json stays the API's JSON (escaped by JSON itself).
  r = run_ctl(smegd, {"peers", "-m", "alpha", "--json"});
  EXPECT_EQ(parsed(r.out)[0]["nodes"][1]["alias"], evil["alias"]);
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos);
}

TEST(SmegctlVerbs, InvitePrintsTheInvite) {
  FakeSmegd smegd;
  smegd.answer("GET", "/v1/meshes/alpha/invite", 200, R"({"invite": ")" + kInvite + "\"}");
  auto r = run_ctl(smegd, {"invite", "-m", "alpha"});
  EXPECT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(smegd.requests.size(), 1u);
  EXPECT_EQ(smegd.requests[0].method, "GET");
  EXPECT_EQ(r.out, kInvite + "\n");
}

// "[...]" is a glob to the shell: an IPv6 invite is printed ready to paste.
TEST(SmegctlVerbs, AnIpv6InviteIsPrintedShellQuoted) {
  FakeSmegd smegd;
  smegd.answer("GET", "/v1/meshes/alpha/invite", 200, R"({"invite": ")" + kInvite6 + "\"}");
  smegd.answer("POST", "/v1/meshes", 201, R"({"id": "alpha", "invite": ")" + kInvite6 + "\"}");
  auto r = run_ctl(smegd, {"invite", "-m", "alpha"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "'" + kInvite6 + "'\n");
  r = run_ctl(smegd, {"new-mesh"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "invite others with: smegctl join-mesh --invite '" + kInvite6 + "'\n");
  // --json prints the API's JSON, unquoted.
  r = run_ctl(smegd, {"invite", "-m", "alpha", "--json"});
  EXPECT_EQ(parsed(r.out)["invite"], Json(kInvite6));
}

// A temporary directory, removed at the end of the test.
class SmegctlGraph : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "smegctl_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    smegd_.answer("GET", "/v1/graph", 200, kGraph);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string read(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
  }

  fs::path dir_;
  FakeSmegd smegd_;
};

TEST_F(SmegctlGraph, DotSvgAndPngGoToTheFile) {
  for (const std::string format : {"dot", "svg", "png"}) {
    auto model = graph_model_from_json(parsed(kGraph));
    ASSERT_TRUE(model);
    auto expected = render(*model, format);
    if (!expected) {
      // graph_test.cc checks what a missing plugin reports.
      std::cout << "skipping " << format << ": " << expected.status().to_string() << "\n";
      continue;
    }
    const fs::path file = dir_ / ("mesh." + format);
    auto r = run_ctl(smegd_, {"graph", "--format", format, "-o", file.string()});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(r.out.empty());
    const std::string bytes = read(file);
    if (format == "dot") {
      EXPECT_TRUE(contains(bytes, "pos=")) << bytes;
    } else if (format == "svg") {
      EXPECT_TRUE(contains(bytes, "<svg")) << bytes.substr(0, 200);
    } else {
      EXPECT_EQ(bytes.substr(0, 4), "\x89PNG");
    }
    EXPECT_TRUE(contains(bytes, "alice") || format == "png");
  }
  ASSERT_FALSE(smegd_.requests.empty());
  for (const auto& req : smegd_.requests) {
    EXPECT_EQ(req.method, "GET");
    EXPECT_EQ(req.target, "/v1/graph");
  }
}

TEST_F(SmegctlGraph, DotIsTheDefaultAndGoesToStdout) {
  auto r = run_ctl(smegd_, {"graph"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "pos=")) << r.out;
  EXPECT_TRUE(contains(r.out, "alice")) << r.out;
}

TEST_F(SmegctlGraph, AnUnwritableFileIsNamed) {
  const std::string file = (dir_ / "no" / "such" / "dir.svg").string();
  auto r = run_ctl(smegd_, {"graph", "-o", file});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "cannot write " + file + ": No such file or directory")) << r.err;
}

// ---- --json ---------------------------------------------------------------------------------

TEST(SmegctlJson, EveryReadVerbPrintsTheApisJson) {
  struct Case {
    std::vector<std::string> args;
    std::string target, answer;
  };
  const std::vector<Case> cases = {
      {{"list-meshes", "--json"}, "/v1/meshes", kMeshList},
      {{"status", "--json"}, "/v1/status", kStatus},
      {{"invite", "-m", "alpha", "--json"},
       "/v1/meshes/alpha/invite",
       R"({"invite": ")" + kInvite + "\"}"},
      {{"query-mesh", "-m", "alpha", "-q", "nodes", "--json"},
       "/v1/query?mesh=alpha&q=nodes",
       R"([{"key": "k"}])"},
      {{"get-graph", "--json"}, "/v1/graph", kGraph},
      {{"graph", "--json"}, "/v1/graph", kGraph},
  };
  for (const Case& c : cases) {
    FakeSmegd smegd;
    smegd.answer("GET", c.target, 200, c.answer);
    auto r = run_ctl(smegd, c.args);
    EXPECT_EQ(r.code, 0) << c.args[0] << ": " << r.err;
    ASSERT_EQ(smegd.requests.size(), 1u) << c.args[0];
    EXPECT_EQ(smegd.requests[0].target, c.target);
    EXPECT_EQ(parsed(r.out), parsed(c.answer)) << c.args[0] << ":\n" << r.out;
  }
}

TEST(SmegctlJson, PeersPrintsTheDocumentOfEachMesh) {
  FakeSmegd smegd;
  smegd.answer("GET", "/v1/meshes", 200, R"([{"id": "alpha"}])");
  smegd.answer("GET", "/v1/meshes/alpha", 200, kAlphaDocument);
  auto r = run_ctl(smegd, {"peers", "--json"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(parsed(r.out), Json::array().push(parsed(kAlphaDocument)));
}

TEST(SmegctlJson, GraphJsonGoesToTheFile) {
  std::string templ = (fs::temp_directory_path() / "smegctl_test.XXXXXX").string();
  ASSERT_NE(mkdtemp(templ.data()), nullptr);
  FakeSmegd smegd;
  smegd.answer("GET", "/v1/graph", 200, kGraph);
  const fs::path file = fs::path(templ) / "graph.json";
  auto r = run_ctl(smegd, {"graph", "--json", "-o", file.string()});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  std::ifstream f(file);
  const std::string text{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
  EXPECT_EQ(parsed(text), parsed(kGraph));
  fs::remove_all(templ);
}

// ---- smegd's errors -------------------------------------------------------------------------

TEST(SmegctlErrors, SmegdsErrorIsPrintedWithTheHttpStatus) {
  FakeSmegd smegd;
  smegd.answer("DELETE", "/v1/meshes/zeta", 404, R"({"error": "not in mesh zeta"})");
  smegd.answer("POST", "/v1/meshes/join", 504, R"({"error": "join: nobody answered"})");
  auto r = run_ctl(smegd, {"leave-mesh", "-m", "zeta"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "smegctl: not in mesh zeta (HTTP 404)\n");
  EXPECT_TRUE(r.out.empty());
  r = run_ctl(smegd, {"join-mesh", "--invite", kInvite});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "smegctl: join: nobody answered (HTTP 504)\n");
  EXPECT_TRUE(r.out.empty());
}

TEST(SmegctlErrors, AnErrorOnAReadVerbPrintsNothingOnStdout) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"list-meshes"},
                                             {"status", "--json"},
                                             {"peers"},
                                             {"peers", "-m", "alpha"},
                                             {"invite", "-m", "alpha"},
                                             {"query-mesh", "-m", "alpha"},
                                             {"get-graph"},
                                             {"graph", "--format", "svg"},
                                             {"put-alias", "-m", "alpha", "-a", "x"},
                                             {"set-service", "-m", "alpha", "-s", "x", "-v", "1"},
                                             {"delete-service", "-m", "alpha", "-s", "x"},
                                             {"new-mesh"}}) {
    FakeSmegd smegd;  // answers 404 to everything
    auto r = run_ctl(smegd, args);
    EXPECT_EQ(r.code, 1) << args[0];
    EXPECT_TRUE(r.out.empty()) << args[0] << ": " << r.out;
    EXPECT_TRUE(contains(r.err, "smegctl: no such resource: /v1/")) << r.err;
    EXPECT_TRUE(contains(r.err, "(HTTP 404)\n")) << r.err;
  }
}

TEST(SmegctlErrors, SmegdNotRunning) {
  FakeSmegd smegd;
  smegd.stop();
  auto r = run_ctl(smegd, {"list-meshes"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "smegctl: smegd is not running (no socket at /run/smeg/smegd.sock)\n");
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(smegd.requests.size(), 1u);
}

TEST(SmegctlErrors, AnAnswerThatIsNotJson) {
  FakeSmegd smegd;
  smegd.answer("GET", "/v1/meshes", 200, "<html>hello</html>");
  smegd.answer("GET", "/v1/status", 502, "Bad Gateway\n");
  smegd.answer("GET", "/v1/meshes/alpha/invite", 500, "");
  auto r = run_ctl(smegd, {"list-meshes"});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "smegctl: smegd answered something that is not JSON: json:"))
      << r.err;
  EXPECT_TRUE(r.out.empty());
  r = run_ctl(smegd, {"status"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "smegctl: Bad Gateway (HTTP 502)\n");
  r = run_ctl(smegd, {"invite", "-m", "alpha"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "smegctl: smegd answered HTTP 500 with no message\n");
}

// JSON of another shape than the verb expects (a smegd of another version) is an error that
// says where, not a crash.
TEST(SmegctlErrors, AnAnswerOfTheWrongShape) {
  FakeSmegd smegd;
  smegd.answer("GET", "/v1/meshes", 200, R"({"meshes": []})");
  smegd.answer("GET", "/v1/status", 200, R"({"node": "x", "meshes": {}})");
  smegd.answer("GET", "/v1/meshes/alpha", 200, R"({"id": "alpha", "nodes": 3})");
  smegd.answer("POST", "/v1/meshes", 201, R"(["alpha"])");
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"list-meshes"}, "smegd's answer to GET /v1/meshes: expected an array"},
      {{"peers"}, "smegd's answer to GET /v1/meshes: expected an array"},
      {{"status"}, "smegd's answer to GET /v1/status: \"meshes\" must be an array"},
      {{"peers", "-m", "alpha"},
       "smegd's answer to GET /v1/meshes/alpha: \"nodes\" must be an array"},
      {{"new-mesh"}, "smegd's answer to POST /v1/meshes: \"id\" must be a string"},
  };
  for (const auto& [args, message] : cases) {
    auto r = run_ctl(smegd, args);
    EXPECT_EQ(r.code, 1) << message;
    EXPECT_TRUE(contains(r.err, message)) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
}

// ---- The real binary ------------------------------------------------------------------------

TEST(SmegctlBinary, WithoutADaemonSaysSmegdIsNotRunning) {
  std::string templ = (fs::temp_directory_path() / "smegctl_test.XXXXXX").string();
  ASSERT_NE(mkdtemp(templ.data()), nullptr);
  const fs::path out = fs::path(templ) / "out", err = fs::path(templ) / "err";
  // `env` goes before the command: variable assignments for it.
  auto run_binary = [&](const std::string& args, const std::string& env = "") {
    const std::string command = env + " '" + SMEG_SMEGCTL_BINARY + "' " + args + " >'" +
                                out.string() + "' 2>'" + err.string() + "'";
    const int status = std::system(command.c_str());
    EXPECT_TRUE(WIFEXITED(status)) << command;
    return WEXITSTATUS(status);
  };
  auto text = [](const fs::path& p) {
    std::ifstream f(p);
    return std::string{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
  };
  EXPECT_EQ(run_binary("--socket /nonexistent/smegd.sock list-meshes"), 1);
  EXPECT_TRUE(contains(text(err), "smegd is not running")) << text(err);
  EXPECT_TRUE(contains(text(err), "/nonexistent/smegd.sock")) << text(err);
  EXPECT_TRUE(text(out).empty());
  EXPECT_EQ(run_binary("--socket=/nonexistent/smegd.sock status --json"), 1);
  EXPECT_TRUE(contains(text(err), "smegd is not running")) << text(err);
  // $SMEG_SOCKET when there is no --socket.
  EXPECT_EQ(run_binary("status", "SMEG_SOCKET=/nonexistent/env.sock"), 1);
  EXPECT_TRUE(contains(text(err), "/nonexistent/env.sock")) << text(err);
  EXPECT_EQ(run_binary("--socket"), 2);
  EXPECT_TRUE(contains(text(err), "--socket needs a value")) << text(err);
  EXPECT_EQ(run_binary("--socket /nonexistent/smegd.sock new-mesh -p 70000"), 2);
  EXPECT_TRUE(contains(text(err), "--wgport")) << text(err);
  fs::remove_all(templ);
}

}  // namespace
}  // namespace smeg::ctl

// Daemons in one process, talking over loopback UDP, with the in-memory WireGuard backend:
// the daemon's own logic (commands, joins, persistence, the API's answers to bad input)
// without network namespaces. The real thing is tested end to end in tests/e2e/.
#include "daemon/daemon.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "daemon/api/json.h"
#include "daemon/api_routes.h"

namespace smeg::daemon {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/smeg_daemon_test.XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

Config test_config(const std::string& state_dir) {
  Config c;
  c.state_dir = state_dir;
  c.control_port = 0;
  c.wg_backend = "memory";
  c.base.public_endpoint = "127.0.0.1";
  c.params.heartbeat_interval = 500ms;
  c.params.sync_interval = 100ms;
  c.params.pull_interval = 1s;
  c.params.join_retry = 200ms;
  c.params.join_timeout = 1s;
  return c;
}

// Runs io until pred() holds or the deadline passes; returns pred().
template <typename Pred>
bool run_until(boost::asio::io_context& io, Pred pred, std::chrono::milliseconds limit = 5s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!pred() && std::chrono::steady_clock::now() < end) {
    io.run_for(20ms);
    if (io.stopped()) io.restart();
  }
  return pred();
}

// The API, called in process.
struct Api {
  ApiHandler handler;
  boost::asio::io_context& io;
  std::pair<unsigned, api::Json> call(const std::string& method, const std::string& path,
                                      const std::string& body = "") {
    ApiRequest r;
    r.method = method;
    std::string p;
    split_target(path, r.path, r.query);
    r.body = body;
    std::optional<ApiResponse> got;
    handler(r, [&](ApiResponse a) { got = std::move(a); });
    run_until(
        io, [&] { return got.has_value(); }, 10s);
    if (!got) return {0, api::Json()};
    auto j = api::parse(got->body);
    return {got->status, j ? *j : api::Json(got->body)};
  }
};

size_t live_members(const Daemon& d, const std::string& mesh) {
  const Mesh* m = d.node().mesh(mesh);
  return m ? m->live_members().size() : 0;
}

TEST(Daemon, CreateJoinAndLeaveThroughTheApi) {
  TempDir da, db;
  boost::asio::io_context io;
  Daemon a(io, test_config(da.path())), b(io, test_config(db.path()));
  ASSERT_TRUE(a.start());
  ASSERT_TRUE(b.start());
  Api api_a{make_api_handler(a), io}, api_b{make_api_handler(b), io};

  auto [status, created] = api_a.call("POST", "/v1/meshes", R"({"alias": "alpha"})");
  ASSERT_EQ(status, 201u) << created.dump();
  const std::string mesh(*created["id"].get_string());
  const std::string invite(*created["invite"].get_string());
  EXPECT_EQ(invite.rfind("smeg://" + mesh + "@127.0.0.1:", 0), 0u) << invite;

  auto [jstatus, joined] =
      api_b.call("POST", "/v1/meshes/join", R"({"invite": ")" + invite + R"(", "alias": "bravo"})");
  ASSERT_EQ(jstatus, 200u) << joined.dump();
  ASSERT_TRUE(
      run_until(io, [&] { return live_members(a, mesh) == 2 && live_members(b, mesh) == 2; }));
  // Both WireGuard devices (in memory) hold the other as their one peer.
  ASSERT_TRUE(run_until(io, [&] {
    auto da_dev = a.read_device(mesh);
    auto db_dev = b.read_device(mesh);
    return da_dev && db_dev && da_dev->peers.size() == 1 && db_dev->peers.size() == 1 &&
           da_dev->peers[0].public_key == b.node().public_key();
  }));
  auto [gstatus, doc] = api_a.call("GET", "/v1/meshes/" + mesh);
  ASSERT_EQ(gstatus, 200u);
  EXPECT_EQ(doc["nodes"].size(), 2u);
  auto [qstatus, aliases] = api_a.call("GET", "/v1/query?mesh=" + mesh + "&q=sort(nodes[].alias)");
  ASSERT_EQ(qstatus, 200u) << aliases.dump();
  EXPECT_EQ(aliases.dump(), R"(["alpha","bravo"])");
  EXPECT_TRUE(fs::exists(db.path() + "/" + mesh + ".mesh"));

  auto [lstatus, left] = api_b.call("DELETE", "/v1/meshes/" + mesh);
  ASSERT_EQ(lstatus, 200u) << left.dump();
  EXPECT_TRUE(b.meshes().empty());
  EXPECT_FALSE(fs::exists(db.path() + "/" + mesh + ".mesh"));
  EXPECT_TRUE(run_until(io, [&] { return live_members(a, mesh) == 1; }));
}

TEST(Daemon, AJoinWithTheWrongSecretFailsAndLeavesNothing) {
  TempDir da, db;
  boost::asio::io_context io;
  Daemon a(io, test_config(da.path())), b(io, test_config(db.path()));
  ASSERT_TRUE(a.start());
  ASSERT_TRUE(b.start());
  auto mesh = a.create_mesh(MeshRequest{});
  ASSERT_TRUE(mesh);
  Invite wrong = *a.invite(*mesh);
  wrong.secret = MeshSecret::generate();
  std::optional<Status> result;
  b.join_mesh(wrong, MeshRequest{}, [&](Status s) { result = s; });
  ASSERT_TRUE(run_until(io, [&] { return result.has_value(); }));
  ASSERT_FALSE(*result);
  EXPECT_NE(result->message().find("no member of mesh " + *mesh + " answered"), std::string::npos)
      << result->message();
  EXPECT_TRUE(b.meshes().empty());
  EXPECT_FALSE(b.node().mesh(*mesh));
  EXPECT_FALSE(fs::exists(db.path() + "/" + *mesh + ".mesh"));
  EXPECT_GE(a.sealer().stats().rejections(SealError::kUnknownMesh), 1u);
  EXPECT_EQ(live_members(a, *mesh), 1u);
}

TEST(Daemon, ARestartResumesTheSameKeyAddressAndMeshes) {
  TempDir dir;
  boost::asio::io_context io;
  std::string mesh;
  PublicKey key;
  std::string address;
  {
    Daemon a(io, test_config(dir.path()));
    ASSERT_TRUE(a.start());
    auto id = a.create_mesh(MeshRequest{});
    ASSERT_TRUE(id);
    mesh = *id;
    key = a.node().public_key();
    const Mesh* m = a.node().mesh(mesh);
    address = m->address_of(*m->self_record()).to_string();
    a.stop();
  }
  struct stat st {};
  ASSERT_EQ(stat(dir.path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(stat((dir.path() + "/private.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat((dir.path() + "/" + mesh + ".mesh").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  Daemon again(io, test_config(dir.path()));
  ASSERT_TRUE(again.start());
  EXPECT_EQ(again.node().public_key(), key);
  const Mesh* m = again.node().mesh(mesh);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->address_of(*m->self_record()).to_string(), address);
  EXPECT_TRUE(again.invite(mesh));
}

TEST(Daemon, TwoDaemonsCannotShareAStateDirectory) {
  TempDir dir;
  boost::asio::io_context io;
  Daemon a(io, test_config(dir.path()));
  ASSERT_TRUE(a.start());
  Daemon b(io, test_config(dir.path()));
  Status s = b.start();
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find(dir.path()), std::string::npos) << s.message();
}

TEST(Daemon, HooksRunAroundTheInterface) {
  TempDir dir;
  boost::asio::io_context io;
  Config c = test_config(dir.path());
  const std::string log = dir.path() + "/hooks.log";
  c.base.hooks.pre_up = {"echo preUp $SMEG_MESH $SMEG_INTERFACE >> " + log};
  c.base.hooks.post_up = {"echo postUp $SMEG_ADDRESS >> " + log};
  c.base.hooks.pre_down = {"echo preDown >> " + log};
  c.base.hooks.post_down = {"echo postDown >> " + log};
  c.interface_prefix = "hk";
  Daemon a(io, c);
  ASSERT_TRUE(a.start());
  auto mesh = a.create_mesh(MeshRequest{});
  ASSERT_TRUE(mesh);
  ASSERT_TRUE(a.leave_mesh(*mesh));
  std::ifstream in(log);
  std::string l1, l2, l3, l4;
  std::getline(in, l1);
  std::getline(in, l2);
  std::getline(in, l3);
  std::getline(in, l4);
  EXPECT_EQ(l1, "preUp " + *mesh + " hk0");
  EXPECT_EQ(l2.rfind("postUp fd", 0), 0u) << l2;
  EXPECT_EQ(l3, "preDown");
  EXPECT_EQ(l4, "postDown");
}

// Every bad request gets a clear error and changes nothing.
TEST(DaemonApi, BadInputIsRefusedWithAMessageAndNothingChanges) {
  TempDir dir;
  boost::asio::io_context io;
  Daemon a(io, test_config(dir.path()));
  ASSERT_TRUE(a.start());
  Api api{make_api_handler(a), io};
  auto mesh = a.create_mesh(MeshRequest{});
  ASSERT_TRUE(mesh);
  const std::string before = api.call("GET", "/v1/meshes/" + *mesh).second.dump();

  struct Case {
    const char* method;
    std::string path, body;
    unsigned status;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"POST", "/v1/meshes", "{not json", 400, "request body: json: offset 1"},
      {"POST", "/v1/meshes", "[1,2]", 400, "must be a JSON object"},
      {"POST", "/v1/meshes", R"({"rol": "peer"})", 400, "unknown field \"rol\""},
      {"POST", "/v1/meshes", R"({"role": "router"})", 400, "role: must be \"peer\" or \"client\""},
      {"POST", "/v1/meshes", R"({"wgPort": 70000})", 400, "wgPort: must be an integer 0..65535"},
      {"POST", "/v1/meshes", R"({"alias": "no spaces allowed"})", 400, "alias"},
      {"POST", "/v1/meshes/join", R"({"invite": "smeg://UPPER@1.2.3.4:1/x"})", 400, "invite"},
      {"POST", "/v1/meshes/join", R"({})", 400, "invite: a string is required"},
      {"GET", "/v1/meshes/nosuchmesh", "", 404, "not in mesh nosuchmesh"},
      {"DELETE", "/v1/meshes/nosuchmesh", "", 404, "not in mesh nosuchmesh"},
      {"PUT", "/v1/meshes/" + *mesh + "/alias", R"({"alias": 5})", 400, "alias"},
      {"PUT", "/v1/meshes/" + *mesh + "/alias", R"({"alias": "a.b"})", 400, "alias"},
      {"PUT", "/v1/meshes/" + *mesh + "/services/web", R"({"val": "80"})", 400, "unknown field"},
      {"GET", "/v1/query?mesh=" + *mesh + "&q=nodes[", "", 400, "query: offset"},
      {"GET", "/v1/query?mesh=" + *mesh, "", 400, "missing q"},
      {"PATCH", "/v1/meshes/" + *mesh, "", 405, "method PATCH not allowed"},
      {"GET", "/v2/nothing", "", 404, "no such resource"},
  };
  for (const Case& c : cases) {
    auto [status, body] = api.call(c.method, c.path, c.body);
    EXPECT_EQ(status, c.status) << c.method << " " << c.path << " " << c.body << " -> "
                                << body.dump();
    const auto msg = body["error"].get_string();
    ASSERT_TRUE(msg) << body.dump();
    EXPECT_NE(msg->find(c.message), std::string::npos) << c.method << " " << c.path << ": " << *msg;
  }
  EXPECT_EQ(a.meshes().size(), 1u);
  EXPECT_EQ(api.call("GET", "/v1/meshes/" + *mesh).second.dump(), before);
}

TEST(DaemonApi, ServicesAndDescriptionsRoundTrip) {
  TempDir dir;
  boost::asio::io_context io;
  Daemon a(io, test_config(dir.path()));
  ASSERT_TRUE(a.start());
  Api api{make_api_handler(a), io};
  auto mesh = a.create_mesh(MeshRequest{});
  ASSERT_TRUE(mesh);
  EXPECT_EQ(
      api.call("PUT", "/v1/meshes/" + *mesh + "/services/web", R"({"value": "tcp/80"})").first,
      200u);
  EXPECT_EQ(
      api.call("PUT", "/v1/meshes/" + *mesh + "/description", R"({"description": "lab"})").first,
      200u);
  auto doc = api.call("GET", "/v1/meshes/" + *mesh).second;
  EXPECT_EQ(doc["nodes"][0]["services"]["web"].get_string().value_or(""), "tcp/80");
  EXPECT_EQ(doc["nodes"][0]["description"].get_string().value_or(""), "lab");
  EXPECT_EQ(api.call("DELETE", "/v1/meshes/" + *mesh + "/services/web").first, 200u);
  doc = api.call("GET", "/v1/meshes/" + *mesh).second;
  EXPECT_EQ(doc["nodes"][0]["services"].size(), 0u);
  auto metrics = a.metrics_text();
  EXPECT_NE(metrics.find("smeg_members{mesh=\"" + *mesh + "\"} 1"), std::string::npos) << metrics;
}

TEST(Daemon, ReloadTakesTheLogLevelAndRefusesWhatNeedsARestart) {
  TempDir dir;
  boost::asio::io_context io;
  Config c = test_config(dir.path());
  Daemon a(io, c);
  ASSERT_TRUE(a.start());
  Config next = c;
  next.log_level = LogLevel::kDebug;
  next.params.heartbeat_interval = 2s;
  next.control_port = 4999;
  auto refused = a.reload(next);
  std::sort(refused.begin(), refused.end());
  EXPECT_EQ(refused, (std::vector<std::string>{"gRPCPort", "heartbeatInterval"}));
  EXPECT_EQ(a.config().log_level, LogLevel::kDebug);
  EXPECT_EQ(a.config().params.heartbeat_interval, c.params.heartbeat_interval);
  EXPECT_EQ(a.config().control_port, c.control_port);
  set_log_level(LogLevel::kWarning);
}

}  // namespace
}  // namespace smeg::daemon

#include "daemon/api_server.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <future>
#include <thread>

#include "daemon/api/http_client.h"

namespace smeg::daemon {
namespace {

std::string socket_path(const char* tag) {
  return "/tmp/smeg_api_test_" + std::to_string(getpid()) + "_" + tag + ".sock";
}

// Runs the server's io_context on a thread of its own while the test thread acts as a client.
class ServerThread {
 public:
  explicit ServerThread(ApiHandler h) : server_(io_, std::move(h)) {}
  Status listen(const std::string& path) { return server_.listen(path); }
  boost::asio::io_context& io() { return io_; }
  void run() {
    work_ = std::thread([this] { io_.run_for(std::chrono::seconds(20)); });
  }
  ~ServerThread() {
    boost::asio::post(io_, [this] { server_.close(); });
    if (work_.joinable()) work_.join();
  }

 private:
  boost::asio::io_context io_;
  ApiServer server_;
  std::thread work_;
};

TEST(ApiTarget, SplitsPathAndDecodesQuery) {
  std::string path;
  std::map<std::string, std::string> q;
  ASSERT_TRUE(split_target("/v1/query?mesh=a%2Db&q=nodes%5B%2A%5D.alias+x&flag", path, q));
  EXPECT_EQ(path, "/v1/query");
  EXPECT_EQ(q["mesh"], "a-b");
  EXPECT_EQ(q["q"], "nodes[*].alias x");
  EXPECT_EQ(q.count("flag"), 1u);
  EXPECT_FALSE(split_target("/v1/x?q=%zz", path, q));
  EXPECT_FALSE(split_target("/v1/x%2", path, q));
}

TEST(ApiServer, AnswersThroughTheHandlerAndKeepsTheSocketPrivate) {
  const std::string path = socket_path("basic");
  ServerThread server([](const ApiRequest& r, ApiResponder respond) {
    respond(ApiResponse{r.method == "POST" ? 201u : 200u, "application/json",
                        "{\"path\":\"" + r.path + "\",\"body\":\"" + r.body + "\"}"});
  });
  ASSERT_TRUE(server.listen(path));
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  server.run();
  auto r = http_request(path, "POST", "/v1/meshes", "abc");
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(r->status, 201u);
  EXPECT_EQ(r->body, "{\"path\":\"/v1/meshes\",\"body\":\"abc\"}");
}

TEST(ApiServer, AnOversizedBodyIsRefusedWith413) {
  const std::string path = socket_path("big");
  bool called = false;
  ServerThread server([&](const ApiRequest&, ApiResponder respond) {
    called = true;
    respond(ApiResponse{});
  });
  ASSERT_TRUE(server.listen(path));
  server.run();
  auto r = http_request(path, "POST", "/v1/meshes", std::string(2 << 20, 'x'));
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(r->status, 413u);
  EXPECT_NE(r->body.find("request body over"), std::string::npos);
  EXPECT_FALSE(called);
}

TEST(ApiServer, AStaleSocketIsReplacedALiveOneIsNot) {
  const std::string path = socket_path("stale");
  {
    boost::asio::io_context io;
    ApiServer first(io, [](const ApiRequest&, ApiResponder r) { r(ApiResponse{}); });
    ASSERT_TRUE(first.listen(path));
    ApiServer second(io, [](const ApiRequest&, ApiResponder r) { r(ApiResponse{}); });
    Status s = second.listen(path);
    ASSERT_FALSE(s);
    EXPECT_NE(s.message().find("another smegd is already listening"), std::string::npos);
  }
  // The first server's destructor removed its file; make a stale one by hand.
  {
    boost::asio::io_context io;
    boost::asio::local::stream_protocol::acceptor a(io);
    a.open();
    a.bind(boost::asio::local::stream_protocol::endpoint(path));
    // closed without unlink: a killed daemon's leftover
  }
  boost::asio::io_context io;
  ApiServer third(io, [](const ApiRequest&, ApiResponder r) { r(ApiResponse{}); });
  EXPECT_TRUE(third.listen(path));
}

TEST(ApiServer, AHandlerMayAnswerLater) {
  const std::string path = socket_path("later");
  std::unique_ptr<boost::asio::steady_timer> timer;
  ServerThread* srv = nullptr;
  ServerThread server([&](const ApiRequest&, ApiResponder respond) {
    timer = std::make_unique<boost::asio::steady_timer>(srv->io(), std::chrono::milliseconds(50));
    timer->async_wait([respond](const boost::system::error_code&) {
      respond(ApiResponse{202, "application/json", "{\"late\":true}"});
      respond(ApiResponse{500, "application/json", "{}"});  // a second answer is ignored
    });
  });
  srv = &server;
  ASSERT_TRUE(server.listen(path));
  server.run();
  auto r = http_request(path, "GET", "/v1/slow");
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(r->status, 202u);
  EXPECT_EQ(r->body, "{\"late\":true}");
  // The timer belongs to the server's io_context: it must go before the server does. (Its
  // handler has run: the answer is here.)
  boost::asio::post(server.io(), [&] { timer.reset(); });
}

TEST(HttpClient, SaysWhenTheDaemonIsNotRunning) {
  auto r = http_request("/tmp/smeg_no_such_socket.sock", "GET", "/v1/status");
  ASSERT_FALSE(r);
  EXPECT_NE(r.status().message().find("smegd is not running"), std::string::npos);
}

}  // namespace
}  // namespace smeg::daemon

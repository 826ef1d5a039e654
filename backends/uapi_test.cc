// UapiBackend's socket exchanges against a scripted server on a temporary socket directory:
// replies parsed, errno replies turned into messages, a silent server timed out, and an invalid
// change never sent. (uapi_netns_tests covers real wireguard-go.)
#include "backends/uapi.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <thread>

namespace smeg::backends {
namespace {

// Accepts connections on DIR/NAME.sock; answers each request with the next scripted reply
// (an empty reply: say nothing and hold the connection until the client gives up).
class ScriptedServer {
 public:
  ScriptedServer(const std::string& path, std::vector<std::string> replies) {
    fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    EXPECT_EQ(bind(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(listen(fd_, 4), 0);
    thread_ = std::thread([this, replies = std::move(replies)] {
      for (const std::string& reply : replies) {
        const int c = accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        std::string req;
        char buf[4096];
        while (req.size() < 2 || req.substr(req.size() - 2) != "\n\n") {
          const ssize_t n = read(c, buf, sizeof buf);
          if (n <= 0) break;
          req.append(buf, static_cast<size_t>(n));
        }
        requests_.push_back(req);
        if (reply.empty()) {
          while (read(c, buf, sizeof buf) > 0) {
          }
        } else {
          EXPECT_EQ(write(c, reply.data(), reply.size()), static_cast<ssize_t>(reply.size()));
        }
        close(c);
      }
    });
  }
  ~ScriptedServer() { join(); }
  // Stops accepting and waits for the server thread; then requests() is complete.
  void join() {
    if (fd_ < 0) return;
    shutdown(fd_, SHUT_RDWR);
    thread_.join();
    close(fd_);
    fd_ = -1;
  }
  const std::vector<std::string>& requests() const { return requests_; }

 private:
  int fd_ = -1;
  std::thread thread_;
  std::vector<std::string> requests_;
};

class UapiSocket : public ::testing::Test {
 protected:
  void SetUp() override {
    char t[] = "/tmp/smeg-uapi-XXXXXX";
    ASSERT_NE(mkdtemp(t), nullptr);
    options_.socket_dir = t;
    options_.timeout = std::chrono::milliseconds(300);
  }
  void TearDown() override { std::filesystem::remove_all(options_.socket_dir); }
  std::string path() const { return options_.socket_dir + "/wgt0.sock"; }
  UapiBackend::Options options_;
};

TEST_F(UapiSocket, GetThenSetWithAnErrnoReply) {
  const std::string hex(64, '1');
  ScriptedServer server(path(),
                        {"listen_port=7\npublic_key=" + hex + "\nerrno=0\n\n", "errno=-1\n\n"});
  UapiBackend b(options_);
  auto d = b.get_device("wgt0");
  ASSERT_TRUE(d) << d.status().to_string();
  EXPECT_EQ(d->name, "wgt0");
  EXPECT_EQ(d->listen_port, 7);
  ASSERT_EQ(d->peers.size(), 1u);
  DeviceChange c;
  c.listen_port = 9;
  Status s = b.set_device("wgt0", c);
  EXPECT_EQ(s.code(), Status::Code::kIoError);
  EXPECT_EQ(s.message(), "wgt0: set device: Operation not permitted (errno 1)");
  EXPECT_EQ(b.stats().set_requests, 1u);
  EXPECT_EQ(b.stats().set_bytes, std::string("set=1\nlisten_port=9\n\n").size());
  auto list = b.list_devices();
  ASSERT_TRUE(list);
  EXPECT_EQ(*list, std::vector<std::string>{"wgt0"});
  server.join();
  ASSERT_EQ(server.requests().size(), 2u);
  EXPECT_EQ(server.requests()[0], "get=1\n\n");
  EXPECT_EQ(server.requests()[1], "set=1\nlisten_port=9\n\n");
}

TEST_F(UapiSocket, SilentServerTimesOut) {
  ScriptedServer server(path(), {""});
  UapiBackend b(options_);
  const auto start = std::chrono::steady_clock::now();
  auto d = b.get_device("wgt0");
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(d);
  EXPECT_NE(d.status().message().find("wgt0: get device: no complete reply within the timeout"),
            std::string::npos)
      << d.status().message();
  EXPECT_LT(took, std::chrono::seconds(2));
}

TEST_F(UapiSocket, InvalidChangeIsNeverSent) {
  UapiBackend b(options_);  // no server at all: a send would fail with "connect"
  DeviceChange c;
  std::array<uint8_t, 32> r{};
  r.fill(5);
  c.private_key = PrivateKey::from_random(r);
  PeerChange self;
  self.public_key = c.private_key->public_key();
  c.peers = {self};
  Status s = b.set_device("wgt0", c);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("wgt0: set device: peer 0"), std::string::npos) << s.message();
  EXPECT_EQ(b.stats().set_requests, 0u);
  DeviceChange port;
  port.listen_port = 1;
  EXPECT_EQ(b.set_device("../x", port).code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace smeg::backends

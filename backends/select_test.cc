// Backend selection by name, and "auto" deciding by the userspace socket like wg(8).
#include "backends/select.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace smeg::backends {
namespace {

TEST(SelectBackend, ByName) {
  auto m = select_backend("memory", "wg0");
  ASSERT_TRUE(m);
  EXPECT_STREQ((*m)->kind(), "memory");
  auto u = select_backend("uapi", "wg0");
  ASSERT_TRUE(u);
  EXPECT_STREQ((*u)->kind(), "uapi");
  auto bad = select_backend("wireguard", "wg0");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("\"wireguard\": unknown"), std::string::npos);
}

TEST(SelectBackend, AutoPrefersTheUserspaceSocket) {
  char dir_template[] = "/tmp/smeg-select-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  UapiBackend::Options options;
  options.socket_dir = dir;

  // No socket: the kernel is chosen (which this build may not have: then a clear refusal).
  auto kernel = select_backend("auto", "smegsel0", options);
  if (kernel) {
    EXPECT_STREQ((*kernel)->kind(), "netlink");
  } else {
    EXPECT_NE(kernel.status().message().find("netlink"), std::string::npos);
  }

  const std::string path = dir + "/smegsel0.sock";
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  ASSERT_EQ(bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
  auto user = select_backend("auto", "smegsel0", options);
  ASSERT_TRUE(user) << user.status().to_string();
  EXPECT_STREQ((*user)->kind(), "uapi");
  auto listed = (*user)->list_devices();
  ASSERT_TRUE(listed);
  EXPECT_EQ(*listed, std::vector<std::string>{"smegsel0"});
  // Nobody listens on it: the error names the interface and the operation.
  auto dev = (*user)->get_device("smegsel0");
  ASSERT_FALSE(dev);
  EXPECT_NE(dev.status().message().find("smegsel0: get device: connect"), std::string::npos)
      << dev.status().message();
  close(fd);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace smeg::backends

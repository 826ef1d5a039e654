// Rtnl against the real kernel, in a network namespace of the test's own (unshare): links,
// MTU, up/down, addresses and routes, read back with get_link and with `ip`. Needs root (or
// CAP_NET_ADMIN in a user namespace); skips with a message otherwise.
#include <sched.h>

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <string>

#include "backends/rtnl.h"

namespace smeg::backends {
namespace {

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  std::array<char, 512> buf;
  while (fgets(buf.data(), buf.size(), p)) out += buf.data();
  pclose(p);
  return out;
}

class RtnlNetns : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // The whole process moves to a fresh network namespace: nothing it does is visible
    // outside, and it all goes away when the process exits.
    private_netns_ = unshare(CLONE_NEWNET) == 0;
  }
  void SetUp() override {
    if (!private_netns_) GTEST_SKIP() << "needs root to unshare a network namespace";
    auto r = Rtnl::open();
    ASSERT_TRUE(r) << r.status().to_string();
    rtnl_ = std::move(*r);
  }
  static bool private_netns_;
  std::unique_ptr<Rtnl> rtnl_;
};
bool RtnlNetns::private_netns_ = false;

TEST_F(RtnlNetns, LinkAddressesAndRoutes) {
  // A veth (created without a peer name, the kernel names the peer): an ordinary link, as a
  // wireguard-go tun or a kernel wireguard link is to rtnetlink.
  ASSERT_TRUE(rtnl_->create_link("smegt0", "veth")) << "veth";
  auto again = rtnl_->create_link("smegt0", "veth");
  EXPECT_EQ(again.code(), Status::Code::kIoError);
  EXPECT_NE(again.message().find("smegt0: create veth interface: File exists"), std::string::npos)
      << again.message();
  auto kinds = rtnl_->links_of_kind("veth");
  ASSERT_TRUE(kinds);
  EXPECT_NE(std::find(kinds->begin(), kinds->end(), "smegt0"), kinds->end());

  ASSERT_TRUE(rtnl_->set_mtu("smegt0", 1420));
  ASSERT_TRUE(rtnl_->set_up("smegt0", true));
  const Prefix addr{*IpAddr::parse("fd12:3456:789a:1::1"), 64};
  ASSERT_TRUE(rtnl_->add_address("smegt0", addr));
  const Prefix route = *Prefix::parse("fd99::/64");
  ASSERT_TRUE(rtnl_->add_route("smegt0", route));
  auto link = rtnl_->get_link("smegt0");
  ASSERT_TRUE(link) << link.status().to_string();
  EXPECT_EQ(link->mtu, 1420u);
  EXPECT_TRUE(link->up);
  ASSERT_EQ(link->addresses.size(), 1u) << "a fresh veth has no other global address";
  // (an IPv6 link-local address may appear once the link has carrier; this veth has none)
  EXPECT_EQ(link->addresses[0], addr);
  EXPECT_EQ(link->routes, std::vector<Prefix>{route});
  // What `ip` sees agrees.
  const std::string ip = run("ip -6 addr show dev smegt0; ip -6 route show dev smegt0");
  EXPECT_NE(ip.find("fd12:3456:789a:1::1/64"), std::string::npos) << ip;
  EXPECT_NE(ip.find("fd99::/64"), std::string::npos) << ip;

  ASSERT_TRUE(rtnl_->remove_route("smegt0", route));
  ASSERT_TRUE(rtnl_->remove_address("smegt0", addr));
  ASSERT_TRUE(rtnl_->set_up("smegt0", false));
  link = rtnl_->get_link("smegt0");
  ASSERT_TRUE(link);
  EXPECT_FALSE(link->up);
  EXPECT_TRUE(link->addresses.empty());
  EXPECT_TRUE(link->routes.empty());
  auto gone = rtnl_->remove_route("smegt0", route);
  EXPECT_FALSE(gone);
  EXPECT_NE(gone.message().find("smegt0: remove route fd99::/64"), std::string::npos)
      << gone.message();

  ASSERT_TRUE(rtnl_->delete_link("smegt0"));
  auto missing = rtnl_->get_link("smegt0");
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
  EXPECT_NE(missing.status().message().find("smegt0"), std::string::npos);
}

TEST_F(RtnlNetns, BadInputIsRefusedBeforeTheKernel) {
  EXPECT_EQ(rtnl_->create_link("a-name-that-is-too-long", "veth").code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(rtnl_->set_mtu("nosuch0", 1420).code(), Status::Code::kNotFound);
  ASSERT_TRUE(rtnl_->create_link("smegt1", "veth"));
  auto s = rtnl_->set_mtu("smegt1", 10);  // below any link's minimum
  EXPECT_EQ(s.code(), Status::Code::kIoError);
  EXPECT_NE(s.message().find("smegt1: set mtu 10: Invalid argument (errno 22)"), std::string::npos)
      << s.message();
  ASSERT_TRUE(rtnl_->delete_link("smegt1"));
}

}  // namespace
}  // namespace smeg::backends

#include "backends/rtnl.h"

// glibc's <net/if.h> first: it tells the kernel headers (libc-compat.h) not to redefine the
// IFF_* flags and struct ifreq.
#include <net/if.h>
// (keep the order)
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

namespace smeg::backends {
namespace {

uint8_t family_of(const IpAddr& a) { return a.is_v6() ? AF_INET6 : AF_INET; }
size_t length_of(const IpAddr& a) { return a.is_v6() ? 16 : 4; }

nlmsghdr* start(std::vector<char>& buf, NlSocket& nl, uint16_t type, uint16_t flags) {
  std::fill(buf.begin(), buf.end(), 0);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = NLM_F_REQUEST | flags;
  nlh->nlmsg_seq = nl.next_seq();
  return nlh;
}

using AttrMap = std::map<uint16_t, const nlattr*>;

int collect(const nlattr* a, void* data) {
  (*static_cast<AttrMap*>(data))[mnl_attr_get_type(a)] = a;
  return MNL_CB_OK;
}

// The attributes of a message after its fixed header, indexed by type (the last one wins).
// (libmnl's mnl_attr_for_each macros do not compile as C++: they assign a void*.)
AttrMap attributes(const nlmsghdr* nlh, size_t header) {
  AttrMap out;
  mnl_attr_parse(nlh, static_cast<unsigned>(header), collect, &out);
  return out;
}

AttrMap nested(const nlattr* nest) {
  AttrMap out;
  mnl_attr_parse_nested(nest, collect, &out);
  return out;
}

bool read_addr(const nlattr* a, uint8_t family, IpAddr& out) {
  const size_t len = mnl_attr_get_payload_len(a);
  if (family == AF_INET6 && len == 16) {
    out.family = IpAddr::Family::kV6;
    std::memcpy(out.bytes.data(), mnl_attr_get_payload(a), 16);
    return true;
  }
  if (family == AF_INET && len == 4) {
    out = IpAddr{};
    out.family = IpAddr::Family::kV4;
    std::memcpy(out.bytes.data(), mnl_attr_get_payload(a), 4);
    return true;
  }
  return false;
}

}  // namespace

Result<std::unique_ptr<Rtnl>> Rtnl::open() {
  auto s = NlSocket::open(NETLINK_ROUTE);
  if (!s) return s.status();
  return std::unique_ptr<Rtnl>(new Rtnl(std::move(*s)));
}

Result<uint32_t> Rtnl::link_index(const std::string& ifname) {
  if (ifname.empty() || ifname.size() >= IFNAMSIZ) {
    return Status::invalid_argument("interface name '" + ifname + "' must be 1-15 bytes");
  }
  // if_nametoindex works in the caller's network namespace, like this socket.
  const unsigned idx = if_nametoindex(ifname.c_str());
  if (idx == 0) {
    if (errno == ENODEV || errno == ENXIO) {
      return Status::not_found(ifname + ": no such interface");
    }
    return errno_status(ifname + ": find interface", errno);
  }
  return static_cast<uint32_t>(idx);
}

Result<std::vector<std::string>> Rtnl::links_of_kind(const std::string& kind) {
  std::vector<char> buf = nl_->buffer();
  nlmsghdr* nlh = start(buf, *nl_, RTM_GETLINK, NLM_F_DUMP);
  auto* ifm = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifm->ifi_family = AF_UNSPEC;
  std::vector<std::string> names;
  Status s = nl_->dump(
      nlh,
      [&](const nlmsghdr* m) {
        if (m->nlmsg_type != RTM_NEWLINK) return true;
        auto attrs = attributes(m, sizeof(ifinfomsg));
        if (!attrs.count(IFLA_IFNAME) || !attrs.count(IFLA_LINKINFO)) return true;
        AttrMap info = nested(attrs[IFLA_LINKINFO]);
        if (!info.count(IFLA_INFO_KIND)) return true;
        const nlattr* k = info[IFLA_INFO_KIND];
        if (mnl_attr_validate(k, MNL_TYPE_STRING) < 0 || kind != mnl_attr_get_str(k)) return true;
        if (mnl_attr_validate(attrs[IFLA_IFNAME], MNL_TYPE_STRING) < 0) return false;
        names.emplace_back(mnl_attr_get_str(attrs[IFLA_IFNAME]));
        return true;
      },
      "list " + kind + " interfaces");
  if (!s) return s;
  std::sort(names.begin(), names.end());
  return names;
}

Result<LinkState> Rtnl::get_link(const std::string& ifname) {
  auto idx = link_index(ifname);
  if (!idx) return idx.status();
  LinkState link;
  link.name = ifname;
  link.index = *idx;
  std::vector<char> buf = nl_->buffer();

  nlmsghdr* nlh = start(buf, *nl_, RTM_GETLINK, NLM_F_ACK);  // the ack ends the answer
  auto* ifm = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifm->ifi_index = static_cast<int>(*idx);
  bool seen = false;
  // A get of one link answers with one message, not a dump: read it through dump(), which
  // runs the callbacks until the answer ends.
  Status s = nl_->dump(
      nlh,
      [&](const nlmsghdr* m) {
        if (m->nlmsg_type != RTM_NEWLINK) return true;
        const auto* info = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(m));
        link.up = (info->ifi_flags & IFF_UP) != 0;
        auto attrs = attributes(m, sizeof(ifinfomsg));
        if (attrs.count(IFLA_MTU)) {
          if (mnl_attr_validate(attrs[IFLA_MTU], MNL_TYPE_U32) < 0) return false;
          link.mtu = mnl_attr_get_u32(attrs[IFLA_MTU]);
        }
        seen = true;
        return true;
      },
      ifname + ": get link");
  if (!s) return s;
  if (!seen) return Status::not_found(ifname + ": get link: no answer for the interface");

  nlh = start(buf, *nl_, RTM_GETADDR, NLM_F_DUMP);
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = AF_UNSPEC;
  s = nl_->dump(
      nlh,
      [&](const nlmsghdr* m) {
        if (m->nlmsg_type != RTM_NEWADDR) return true;
        const auto* a = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(m));
        if (a->ifa_index != *idx) return true;
        auto attrs = attributes(m, sizeof(ifaddrmsg));
        // IFA_LOCAL is the interface's own address on point-to-point links; IFA_ADDRESS
        // otherwise.
        const nlattr* at = attrs.count(IFA_LOCAL) ? attrs[IFA_LOCAL] : nullptr;
        if (!at && attrs.count(IFA_ADDRESS)) at = attrs[IFA_ADDRESS];
        if (!at) return true;
        Prefix p;
        if (!read_addr(at, a->ifa_family, p.addr)) return false;
        p.len = a->ifa_prefixlen;
        link.addresses.push_back(p);
        return true;
      },
      ifname + ": list addresses");
  if (!s) return s;

  nlh = start(buf, *nl_, RTM_GETROUTE, NLM_F_DUMP);
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
  rtm->rtm_family = AF_UNSPEC;
  s = nl_->dump(
      nlh,
      [&](const nlmsghdr* m) {
        if (m->nlmsg_type != RTM_NEWROUTE) return true;
        const auto* r = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(m));
        if (r->rtm_table != RT_TABLE_MAIN || r->rtm_type != RTN_UNICAST ||
            r->rtm_protocol == RTPROT_KERNEL) {
          return true;  // the kernel's own prefix routes for addresses are not ours to manage
        }
        auto attrs = attributes(m, sizeof(rtmsg));
        if (!attrs.count(RTA_OIF) || mnl_attr_validate(attrs[RTA_OIF], MNL_TYPE_U32) < 0 ||
            mnl_attr_get_u32(attrs[RTA_OIF]) != *idx) {
          return true;
        }
        Prefix p;
        p.addr.family = r->rtm_family == AF_INET6 ? IpAddr::Family::kV6 : IpAddr::Family::kV4;
        if (attrs.count(RTA_DST) && !read_addr(attrs[RTA_DST], r->rtm_family, p.addr)) {
          return false;
        }
        p.len = r->rtm_dst_len;
        link.routes.push_back(p);
        return true;
      },
      ifname + ": list routes");
  if (!s) return s;
  std::sort(link.addresses.begin(), link.addresses.end());
  std::sort(link.routes.begin(), link.routes.end());
  return link;
}

Status Rtnl::create_link(const std::string& ifname, const std::string& kind) {
  if (ifname.empty() || ifname.size() >= IFNAMSIZ) {
    return Status::invalid_argument("interface name '" + ifname + "' must be 1-15 bytes");
  }
  std::vector<char> buf = nl_->buffer();
  nlmsghdr* nlh = start(buf, *nl_, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
  auto* ifm = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifm->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname.c_str());
  nlattr* info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
  mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind.c_str());
  mnl_attr_nest_end(nlh, info);
  return nl_->request(nlh, ifname + ": create " + kind + " interface");
}

Status Rtnl::delete_link(const std::string& ifname) {
  auto idx = link_index(ifname);
  if (!idx) return idx.status();
  std::vector<char> buf = nl_->buffer();
  nlmsghdr* nlh = start(buf, *nl_, RTM_DELLINK, NLM_F_ACK);
  auto* ifm = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifm->ifi_index = static_cast<int>(*idx);
  return nl_->request(nlh, ifname + ": delete interface");
}

Status Rtnl::set_mtu(const std::string& ifname, uint32_t mtu) {
  auto idx = link_index(ifname);
  if (!idx) return idx.status();
  std::vector<char> buf = nl_->buffer();
  nlmsghdr* nlh = start(buf, *nl_, RTM_NEWLINK, NLM_F_ACK);
  auto* ifm = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifm->ifi_index = static_cast<int>(*idx);
  mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
  return nl_->request(nlh, ifname + ": set mtu " + std::to_string(mtu));
}

Status Rtnl::set_up(const std::string& ifname, bool up) {
  auto idx = link_index(ifname);
  if (!idx) return idx.status();
  std::vector<char> buf = nl_->buffer();
  nlmsghdr* nlh = start(buf, *nl_, RTM_NEWLINK, NLM_F_ACK);
  auto* ifm = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifm->ifi_index = static_cast<int>(*idx);
  ifm->ifi_change = IFF_UP;
  ifm->ifi_flags = up ? IFF_UP : 0;
  return nl_->request(nlh, ifname + (up ? ": set up" : ": set down"));
}

Status Rtnl::address_op(const std::string& ifname, const Prefix& address, bool add) {
  auto idx = link_index(ifname);
  if (!idx) return idx.status();
  if (address.len > address.addr.bits()) {
    return Status::invalid_argument(ifname + ": address " + address.addr.to_string() + "/" +
                                    std::to_string(address.len) + ": prefix length too long");
  }
  std::vector<char> buf = nl_->buffer();
  nlmsghdr* nlh = start(buf, *nl_, add ? RTM_NEWADDR : RTM_DELADDR,
                        NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0));
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = family_of(address.addr);
  ifa->ifa_prefixlen = address.len;
  ifa->ifa_index = *idx;
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  // IFA_LOCAL and IFA_ADDRESS both carry our address: an IPv4 point-to-point link would read
  // IFA_ADDRESS as the peer's.
  const auto len = length_of(address.addr);
  mnl_attr_put(nlh, IFA_LOCAL, len, address.addr.bytes.data());
  mnl_attr_put(nlh, IFA_ADDRESS, len, address.addr.bytes.data());
  // The overlay is managed by us, not by duplicate address detection: wireguard links have
  // no neighbours to probe, and DAD would keep the address tentative for a second.
  if (address.addr.is_v6()) mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
  return nl_->request(nlh, ifname + (add ? ": add address " : ": remove address ") +
                               address.addr.to_string() + "/" + std::to_string(address.len));
}

Status Rtnl::add_address(const std::string& ifname, const Prefix& address) {
  return address_op(ifname, address, true);
}

Status Rtnl::remove_address(const std::string& ifname, const Prefix& address) {
  return address_op(ifname, address, false);
}

Status Rtnl::route_op(const std::string& ifname, const Prefix& destination, bool add) {
  auto idx = link_index(ifname);
  if (!idx) return idx.status();
  std::vector<char> buf = nl_->buffer();
  nlmsghdr* nlh = start(buf, *nl_, add ? RTM_NEWROUTE : RTM_DELROUTE,
                        NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0));
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
  rtm->rtm_family = family_of(destination.addr);
  rtm->rtm_dst_len = destination.len;
  rtm->rtm_table = RT_TABLE_MAIN;
  rtm->rtm_protocol = RTPROT_STATIC;
  rtm->rtm_scope = RT_SCOPE_LINK;
  rtm->rtm_type = RTN_UNICAST;
  if (destination.len > 0) {
    mnl_attr_put(nlh, RTA_DST, length_of(destination.addr), destination.addr.bytes.data());
  }
  mnl_attr_put_u32(nlh, RTA_OIF, *idx);
  return nl_->request(
      nlh, ifname + (add ? ": add route " : ": remove route ") + destination.to_string());
}

Status Rtnl::add_route(const std::string& ifname, const Prefix& destination) {
  return route_op(ifname, destination, true);
}

Status Rtnl::remove_route(const std::string& ifname, const Prefix& destination) {
  return route_op(ifname, destination, false);
}

}  // namespace smeg::backends

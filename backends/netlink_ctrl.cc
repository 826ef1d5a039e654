// Generic netlink controller replies: family ids and the wireguard family's policy
// (netlink_wire.h).
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/wireguard.h>

#include <algorithm>
#include <map>
#include <optional>

#include "backends/netlink_attr.h"
#include "backends/netlink_wire.h"

namespace smeg::backends {
namespace {

using nlattr_read::Attr;
using nlattr_read::for_each_attr;

// The attributes after a controller message's headers; empty if it is too short.
std::span<const uint8_t> ctrl_attrs(const std::vector<uint8_t>& message) {
  constexpr size_t kHeaders = nlattr_read::kMsgHeader + nlattr_read::kGenlHeader;
  if (message.size() < kHeaders) return {};
  const auto len = nlattr_read::read<uint32_t>(message);
  if (len < kHeaders || len > message.size()) return {};
  return std::span<const uint8_t>(message).subspan(kHeaders, len - kHeaders);
}

}  // namespace

Result<uint16_t> find_family_id(const std::vector<std::vector<uint8_t>>& messages,
                                const std::string& name) {
  for (const auto& m : messages) {
    std::optional<uint16_t> id;
    std::string found;
    for_each_attr(ctrl_attrs(m), [&](const Attr& a) {
      if (a.type == CTRL_ATTR_FAMILY_ID) id = a.as<uint16_t>();
      if (a.type == CTRL_ATTR_FAMILY_NAME) {
        found.assign(a.payload.begin(), std::find(a.payload.begin(), a.payload.end(), 0));
      }
      return true;
    });
    if (id && found == name) return *id;
  }
  return Status::not_found("no generic netlink family '" + name + "'");
}

// Why a policy dump: kernels before 6.15 validate wireguard's set command leniently and
// ignore attributes they do not know, so a removal flag sent to them would be dropped and the
// "removed" prefix *added* instead. A probe that sends the flag therefore proves nothing
// unless it reads the result back from a scratch interface; the kernel's own description of
// what it accepts does. The walk follows the policy indices the kernel links: the set
// command's policy, the nested-array policy of WGDEVICE_A_PEERS, that of WGPEER_A_ALLOWEDIPS.
// Kernels that describe the allowed-IP policy without linking it from the peer policy cannot
// be told apart from older ones here and get false: diff() then replaces whole sets, which is
// always correct, only larger.
bool allowed_ip_flags_in_policy(const std::vector<std::vector<uint8_t>>& messages) {
  // policy index -> attribute type -> index of the nested policy it links (if any)
  std::map<uint32_t, std::map<uint16_t, std::optional<uint32_t>>> policies;
  std::optional<uint32_t> set_policy;
  for (const auto& m : messages) {
    for_each_attr(ctrl_attrs(m), [&](const Attr& a) {
      if (a.type == CTRL_ATTR_OP_POLICY) {
        for_each_attr(a.payload, [&](const Attr& op) {
          if (op.type != WG_CMD_SET_DEVICE) return true;
          for_each_attr(op.payload, [&](const Attr& which) {
            if (which.type == CTRL_ATTR_POLICY_DO) set_policy = which.as<uint32_t>();
            return true;
          });
          return true;
        });
      } else if (a.type == CTRL_ATTR_POLICY) {
        for_each_attr(a.payload, [&](const Attr& policy) {
          auto& attrs = policies[policy.type];
          for_each_attr(policy.payload, [&](const Attr& attr) {
            auto& nested = attrs[attr.type];
            for_each_attr(attr.payload, [&](const Attr& prop) {
              if (prop.type == NL_POLICY_TYPE_ATTR_POLICY_IDX) nested = prop.as<uint32_t>();
              return true;
            });
            return true;
          });
          return true;
        });
      }
      return true;
    });
  }
  // Kernels that list no per-command policies use one family policy: the first, index 0.
  auto nested_of = [&](std::optional<uint32_t> policy, uint16_t attr) -> std::optional<uint32_t> {
    if (!policy) return std::nullopt;
    auto p = policies.find(*policy);
    if (p == policies.end()) return std::nullopt;
    auto a = p->second.find(attr);
    return a == p->second.end() ? std::nullopt : a->second;
  };
  const auto peer = nested_of(set_policy.value_or(0), WGDEVICE_A_PEERS);
  const auto allowed_ip = nested_of(peer, WGPEER_A_ALLOWEDIPS);
  if (!allowed_ip) return false;
  auto p = policies.find(*allowed_ip);
  return p != policies.end() && p->second.count(kAllowedIpAttrFlags) > 0;
}

}  // namespace smeg::backends

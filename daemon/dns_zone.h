// The names smegd answers for, under `smeg.`: an immutable snapshot built from the mesh state
// as a whole whenever it changes. The server holds a std::shared_ptr<const DnsZone> and swaps
// it for a new one on the io thread; a snapshot is never modified, so lookups need no lock.
//
// For node ALIAS (address ADDR) in mesh MESH:
//   ALIAS.MESH.smeg.   AAAA ADDR      (A when ADDR is IPv4)
//   MESH.ALIAS.smeg.   AAAA ADDR      (the original Go project's form, kept so old names work)
// and for each of its services NAME=VALUE:
//   NAME.ALIAS.MESH.smeg.            TXT VALUE (split in 255-byte strings when longer)
//   _NAME._tcp.ALIAS.MESH.smeg.      SRV 0 0 PORT ALIAS.MESH.smeg.  when VALUE is "PORT" or
//                                    "tcp/PORT" (PORT in 1..65535); _udp for "udp/PORT". The
//                                    AAAA of the target goes in the additional section. A NAME
//                                    already starting with '_' is used as is; a 63-byte NAME has
//                                    no SRV (the '_' would make a 64-byte label).
// Decisions:
// - Aliases are not unique within a mesh: a name answers with every address behind it (sorted,
//   deduplicated), and every TXT/SRV of every node of that alias. Clients then pick.
// - When an original-form name MESH.ALIAS equals a new-form name ALIAS'.MESH' of another mesh,
//   the new form wins and the original-form addresses are left out of that name.
// - A name inside smeg. that does not exist is NXDOMAIN; a name that exists, including one
//   that only has names below it (MESH.smeg., smeg.), without records of the asked type is
//   NODATA (NOERROR, empty answer). An ANY query gets every record of the name.
// - A mesh id, alias or service that fails its validation (core/params.h, core/address.h) is
//   left out and the reason recorded in rejected(); a node without an alias has no name.
// Names compare case-insensitively; answers carry the question's spelling as their owner.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/address.h"
#include "daemon/dns_message.h"

namespace smeg::daemon {

struct DnsNode {
  std::string alias;
  IpAddr address;                                             // the overlay IPv6 address
  std::vector<std::pair<std::string, std::string>> services;  // name, value
};

struct DnsMesh {
  std::string id;
  std::vector<DnsNode> nodes;
};

class DnsZone {
 public:
  static constexpr uint32_t kDefaultTtl = 10;  // seconds: mesh state changes often

  // The snapshot of `meshes`; every record carries `ttl`.
  static std::shared_ptr<const DnsZone> build(std::span<const DnsMesh> meshes,
                                              uint32_t ttl = kDefaultTtl);
  // The zone apex, `smeg.`.
  static const DnsName& origin();

  // True when `name` is smeg. or below it (then it is answered here, never forwarded).
  static bool contains(const DnsName& name);
  // The answer to `question` (whose name must be within origin()): records, NXDOMAIN or NODATA.
  // Answers are authoritative.
  DnsAnswer lookup(const DnsQuestion& question) const;

  // One line per mesh, node or service left out of the zone, saying why (for the log).
  const std::vector<std::string>& rejected() const { return rejected_; }
  // How many names exist (with records or with names below them), for tests and metrics.
  size_t name_count() const { return names_.size(); }

 private:
  struct Srv {
    uint16_t port = 0;
    DnsName target;
    bool operator<(const Srv& o) const;
    bool operator==(const Srv& o) const;
  };
  // Everything one name holds; all empty for a name that only has names below it.
  struct Entry {
    std::vector<IpAddr> addresses;
    std::vector<std::string> texts;
    std::vector<Srv> services;
  };

  DnsZone() = default;
  void add_node(const std::string& mesh, const DnsNode& node);
  void add_name(const DnsName& name);  // the name and every ancestor up to smeg.
  Entry& entry(const DnsName& name);
  void append_records(const Entry& e, const DnsQuestion& q, DnsAnswer& out) const;

  std::map<std::string, Entry> names_;  // by dns_name_key
  uint32_t ttl_ = kDefaultTtl;
  std::vector<std::string> rejected_;
};

}  // namespace smeg::daemon

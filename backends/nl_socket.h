// NlSocket: one netlink socket (libmnl) with the two exchanges every backend needs: a request
// answered by an acknowledgement, and a dump answered by many messages. Used by rtnl.h
// (NETLINK_ROUTE) and netlink.h (NETLINK_GENERIC, family "wireguard").
//
// Errors name the operation the caller passes in `what` (e.g. "wg0: set device") and the
// kernel's errno text: "wg0: set device: Invalid argument (errno 22)".
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

struct mnl_socket;
struct nlmsghdr;

namespace smeg::backends {

// "WHAT: strerror(err) (errno ERR)" as an i/o error (errno names are shared by every backend).
Status errno_status(const std::string& what, int err);

class NlSocket {
 public:
  // Opens and binds a socket of `bus` (NETLINK_ROUTE, NETLINK_GENERIC).
  static Result<std::unique_ptr<NlSocket>> open(int bus);
  ~NlSocket();
  NlSocket(const NlSocket&) = delete;
  NlSocket& operator=(const NlSocket&) = delete;

  // A fresh sequence number for a message header.
  uint32_t next_seq() { return ++seq_; }
  // A buffer large enough for any message we build or receive (MNL_SOCKET_BUFFER_SIZE or the
  // page size, whichever is larger).
  std::vector<char> buffer() const;

  // Sends one request built in `nlh` (its flags must include NLM_F_ACK) and waits for the
  // acknowledgement; a kernel error comes back as errno_status(what, errno).
  Status request(nlmsghdr* nlh, const std::string& what);
  // Sends several requests one after the other, each waiting for its acknowledgement, and
  // stops at the first error: requests after it are never sent, so the caller knows exactly
  // which were applied. `failed_index` receives the failing request's index.
  Status request_batch(const std::vector<nlmsghdr*>& msgs, const std::string& what,
                       size_t* failed_index = nullptr);
  // Sends a dump request (NLM_F_DUMP) and calls `each` for every message of the answer;
  // `each` returns false to report a malformed message (the dump is still drained).
  Status dump(nlmsghdr* nlh, const std::function<bool(const nlmsghdr*)>& each,
              const std::string& what);

  uint32_t port_id() const { return port_id_; }

 private:
  explicit NlSocket(mnl_socket* s);
  Status receive_until_done(uint32_t seq, const std::function<bool(const nlmsghdr*)>* each,
                            const std::string& what);
  mnl_socket* socket_ = nullptr;
  uint32_t port_id_ = 0;
  uint32_t seq_;
};

}  // namespace smeg::backends

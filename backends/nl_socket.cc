#include "backends/nl_socket.h"

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace smeg::backends {

Status errno_status(const std::string& what, int err) {
  return Status::io_error(what + ": " + std::strerror(err) + " (errno " + std::to_string(err) +
                          ")");
}

NlSocket::NlSocket(mnl_socket* s)
    : socket_(s), port_id_(mnl_socket_get_portid(s)), seq_(static_cast<uint32_t>(time(nullptr))) {}

NlSocket::~NlSocket() {
  if (socket_) mnl_socket_close(socket_);
}

Result<std::unique_ptr<NlSocket>> NlSocket::open(int bus) {
  mnl_socket* s = mnl_socket_open(bus);
  if (!s) return errno_status("netlink: open socket", errno);
  if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) {
    const int err = errno;
    mnl_socket_close(s);
    return errno_status("netlink: bind socket", err);
  }
  return std::unique_ptr<NlSocket>(new NlSocket(s));
}

std::vector<char> NlSocket::buffer() const {
  const long page = sysconf(_SC_PAGESIZE);
  return std::vector<char>(std::max<size_t>(MNL_SOCKET_BUFFER_SIZE, static_cast<size_t>(page)));
}

namespace {

struct DumpContext {
  const std::function<bool(const nlmsghdr*)>* each;
  bool malformed = false;
};

int on_data(const nlmsghdr* nlh, void* data) {
  auto* ctx = static_cast<DumpContext*>(data);
  if (ctx->each && !(*ctx->each)(nlh)) ctx->malformed = true;
  return MNL_CB_OK;
}

}  // namespace

Status NlSocket::receive_until_done(uint32_t seq, const std::function<bool(const nlmsghdr*)>* each,
                                    const std::string& what) {
  std::vector<char> buf = buffer();
  DumpContext ctx{each};
  for (;;) {
    const ssize_t n = mnl_socket_recvfrom(socket_, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_status(what, errno);
    }
    const int r = mnl_cb_run(buf.data(), static_cast<size_t>(n), seq, port_id_, on_data, &ctx);
    if (r == MNL_CB_ERROR) return errno_status(what, errno);
    if (r == MNL_CB_STOP) break;  // NLMSG_DONE, or the ack of a request
  }
  if (ctx.malformed) return Status::corruption(what + ": malformed reply from the kernel");
  return Status::ok();
}

Status NlSocket::request(nlmsghdr* nlh, const std::string& what) {
  if (mnl_socket_sendto(socket_, nlh, nlh->nlmsg_len) < 0) return errno_status(what, errno);
  return receive_until_done(nlh->nlmsg_seq, nullptr, what);
}

Status NlSocket::request_batch(const std::vector<nlmsghdr*>& msgs, const std::string& what,
                               size_t* failed_index) {
  for (size_t i = 0; i < msgs.size(); ++i) {
    if (Status s = request(msgs[i], what); !s) {
      if (failed_index) *failed_index = i;
      return s;
    }
  }
  return Status::ok();
}

Status NlSocket::dump(nlmsghdr* nlh, const std::function<bool(const nlmsghdr*)>& each,
                      const std::string& what) {
  if (mnl_socket_sendto(socket_, nlh, nlh->nlmsg_len) < 0) return errno_status(what, errno);
  return receive_until_done(nlh->nlmsg_seq, &each, what);
}

}  // namespace smeg::backends

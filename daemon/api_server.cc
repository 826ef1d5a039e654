#include "daemon/api_server.h"

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <cstring>
#include <optional>

#include "daemon/api/json.h"

namespace smeg::daemon {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using Local = asio::local::stream_protocol;

namespace {
constexpr size_t kHeaderLimit = 8 << 10;
constexpr size_t kBodyLimit = 1 << 20;
constexpr auto kIdleTimeout = std::chrono::seconds(30);

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string json_error(std::string_view message) {
  return api::Json::object().set("error", message).dump() + "\n";
}

std::string errno_text(int e) {
  return std::string(std::strerror(e)) + " (errno " + std::to_string(e) + ")";
}
}  // namespace

bool percent_decode(std::string_view in, bool query, std::string& out) {
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      const int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && query) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return true;
}

bool split_target(std::string_view target, std::string& path,
                  std::map<std::string, std::string>& query) {
  query.clear();
  const size_t q = target.find('?');
  if (!percent_decode(target.substr(0, q), false, path)) return false;
  if (q == std::string_view::npos) return true;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    std::string k, v;
    if (!percent_decode(pair.substr(0, eq), true, k)) return false;
    if (eq != std::string_view::npos && !percent_decode(pair.substr(eq + 1), true, v)) {
      return false;
    }
    query[k] = v;
  }
  return true;
}

class ApiServer::Connection : public std::enable_shared_from_this<ApiServer::Connection> {
 public:
  Connection(Local::socket socket, ApiServer& server)
      : socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        handler_(server.handler_),
        open_(server.open_connections_),
        closed_(server.closed_) {
    ++*open_;
  }
  ~Connection() { --*open_; }

  void start() { read(); }
  void shut() {
    boost::system::error_code ignored;
    socket_.close(ignored);
    timer_.cancel();
  }

 private:
  void arm_timer() {
    timer_.expires_after(kIdleTimeout);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->shut();
    });
  }

  void read() {
    if (*closed_) return shut();
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(kBodyLimit);
    arm_timer();
    http::async_read(socket_, buffer_, *parser_,
                     [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                       self->on_read(ec);
                     });
  }

  void on_read(const boost::system::error_code& ec) {
    if (*closed_) return shut();
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == asio::error::eof) {
      return shut();
    }
    if (ec == http::error::body_limit) {
      return reply_error(413, "request body over " + std::to_string(kBodyLimit) + " bytes");
    }
    if (ec == http::error::header_limit) {
      return reply_error(431, "request header over " + std::to_string(kHeaderLimit) + " bytes");
    }
    if (ec) return reply_error(400, "malformed HTTP request: " + ec.message());

    const auto& req = parser_->get();
    ApiRequest request;
    request.method = std::string(req.method_string());
    const auto target = req.target();
    if (!split_target(std::string_view(target.data(), target.size()), request.path,
                      request.query)) {
      return reply_error(400, "malformed escape in the request target");
    }
    request.body = req.body();
    keep_alive_ = req.keep_alive();
    handler_(request, [self = shared_from_this(), answered = false](ApiResponse r) mutable {
      if (answered || *self->closed_) return;
      answered = true;
      self->write(r.status, r.content_type, std::move(r.body));
    });
  }

  void reply_error(unsigned status, const std::string& message) {
    keep_alive_ = false;
    write(status, "application/json", json_error(message));
  }

  void write(unsigned status, const std::string& content_type, std::string body) {
    response_.emplace();
    response_->version(11);
    response_->result(status);
    response_->set(http::field::server, "smegd");
    response_->set(http::field::content_type, content_type);
    response_->keep_alive(keep_alive_);
    response_->body() = std::move(body);
    response_->prepare_payload();
    http::async_write(socket_, *response_,
                      [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                        if (ec || !self->keep_alive_) return self->shut();
                        self->read();
                      });
  }

  Local::socket socket_;
  asio::steady_timer timer_;
  ApiHandler& handler_;
  std::shared_ptr<size_t> open_;
  std::shared_ptr<bool> closed_;
  boost::beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
  bool keep_alive_ = false;
};

ApiServer::ApiServer(asio::io_context& io, ApiHandler handler)
    : io_(io), handler_(std::move(handler)), acceptor_(io) {}

ApiServer::~ApiServer() { close(); }

Status ApiServer::listen(const std::string& path, const std::string& group) {
  const std::string what = "API socket " + path;
  // The directory: created 0755 if missing (the socket's own mode guards access).
  const size_t slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    const std::string dir = path.substr(0, slash);
    struct stat st {};
    if (stat(dir.c_str(), &st) != 0) {
      if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
        return Status::io_error(what + ": mkdir " + dir + ": " + errno_text(errno));
      }
    } else if (!S_ISDIR(st.st_mode)) {
      return Status::io_error(what + ": " + dir + " is not a directory");
    }
  }
  gid_t gid = static_cast<gid_t>(-1);
  if (!group.empty()) {
    struct group* g = getgrnam(group.c_str());
    if (!g) return Status::invalid_argument("apiGroup: no group named \"" + group + "\"");
    gid = g->gr_gid;
  }
  // A socket file already there: in use if something answers, else stale.
  struct stat st {};
  if (lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return Status::io_error(what + ": exists and is not a socket");
    Local::socket probe(io_);
    boost::system::error_code ec;
    probe.connect(Local::endpoint(path), ec);
    if (!ec) return Status::conflict(what + ": another smegd is already listening there");
    if (unlink(path.c_str()) != 0) {
      return Status::io_error(what + ": removing the stale socket: " + errno_text(errno));
    }
  }
  boost::system::error_code ec;
  acceptor_.open(Local(), ec);
  // The socket file must never exist with looser permissions than 0660, not even briefly.
  const mode_t old_mask = umask(0117);
  if (!ec) acceptor_.bind(Local::endpoint(path), ec);
  umask(old_mask);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    acceptor_.close();
    return Status::io_error(what + ": " + ec.message() + " (errno " + std::to_string(ec.value()) +
                            ")");
  }
  if (chmod(path.c_str(), 0660) != 0)
    return Status::io_error(what + ": chmod: " + errno_text(errno));
  if (gid != static_cast<gid_t>(-1) && chown(path.c_str(), 0, gid) != 0) {
    return Status::io_error(what + ": chown: " + errno_text(errno));
  }
  path_ = path;
  *closed_ = false;
  accept();
  return Status::ok();
}

void ApiServer::accept() {
  acceptor_.async_accept(
      [this, closed = closed_](const boost::system::error_code& ec, Local::socket socket) {
        if (*closed || ec == asio::error::operation_aborted) return;
        if (!ec) {
          if (*open_connections_ >= kMaxConnections) {
            boost::system::error_code ignored;
            socket.close(ignored);
          } else {
            auto c = std::make_shared<Connection>(std::move(socket), *this);
            std::erase_if(live_, [](const std::weak_ptr<Connection>& w) { return w.expired(); });
            live_.push_back(c);
            c->start();
          }
        }
        accept();
      });
}

void ApiServer::close() {
  if (*closed_) return;
  *closed_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  for (auto& w : live_) {
    if (auto c = w.lock()) c->shut();
  }
  live_.clear();
  if (!path_.empty()) unlink(path_.c_str());
  path_.clear();
}

}  // namespace smeg::daemon

#include "daemon/api/http_client.h"

#include <sys/stat.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <cstring>

namespace smeg::daemon {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using Local = asio::local::stream_protocol;

Result<HttpResult> http_request(const std::string& socket_path, const std::string& method,
                                const std::string& target, const std::string& body,
                                int timeout_ms) {
  struct stat st {};
  if (stat(socket_path.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return Status::not_found("smegd is not running (no socket at " + socket_path + ")");
    }
    return Status::io_error(socket_path + ": " + std::strerror(errno));
  }
  asio::io_context io;
  Local::socket socket(io);
  asio::steady_timer deadline(io, std::chrono::milliseconds(timeout_ms));
  bool timed_out = false;
  deadline.async_wait([&](const boost::system::error_code& ec) {
    if (ec) return;
    timed_out = true;
    boost::system::error_code ignored;
    socket.close(ignored);
  });

  boost::system::error_code failure;
  std::string stage;
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "smegd");
  req.set(http::field::user_agent, "smegctl");
  if (!body.empty()) req.set(http::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);

  socket.async_connect(Local::endpoint(socket_path), [&](const boost::system::error_code& ec) {
    if (ec) {
      failure = ec;
      stage = "connect";
      deadline.cancel();
      return;
    }
    http::async_write(socket, req, [&](const boost::system::error_code& wec, size_t) {
      // A server that refuses a request early (413) answers and closes while the body is still
      // going out: the answer is there to read all the same.
      if (wec && wec != asio::error::broken_pipe && wec != asio::error::connection_reset) {
        failure = wec;
        stage = "send request";
        deadline.cancel();
        return;
      }
      http::async_read(socket, buffer, parser, [&](const boost::system::error_code& rec, size_t) {
        if (rec) {
          failure = rec;
          stage = "read response";
        }
        deadline.cancel();
      });
    });
  });
  io.run();
  if (timed_out) {
    return Status::io_error("smegd at " + socket_path + " did not answer within " +
                            std::to_string(timeout_ms) + " ms");
  }
  if (failure) {
    if (stage == "connect" && failure == asio::error::connection_refused) {
      return Status::io_error("smegd is not running (connection refused at " + socket_path + ")");
    }
    return Status::io_error(socket_path + ": " + stage + ": " + failure.message());
  }
  HttpResult r;
  r.status = parser.get().result_int();
  r.body = std::move(parser.get().body());
  return r;
}

}  // namespace smeg::daemon

// The local API's transport: HTTP/1.1 over a unix socket (Boost.Beast), like Tailscale's
// LocalAPI. This file knows nothing of meshes: it parses requests, hands each to one handler
// on the io_context's thread (where the core lives, so handlers need no locks) and writes the
// response back when the handler gives it. Requests are bounded (headers 8 KiB, body 1 MiB: 413
// above), connections are capped (64; more are closed at once), and an idle or slow connection is
// closed after 30 s. Keep-alive is honoured.
//
// Who may talk to the socket is decided by the file system: it is created with mode 0660 (owner
// root, group `group` when one is given), in a directory that is created 0755 if missing. A
// stale socket file left by a killed daemon is replaced; one that a running daemon still
// answers on is not (the error says so).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace smeg::daemon {

struct ApiRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // decoded path without the query, e.g. "/v1/meshes/alpha"
  std::map<std::string, std::string> query;  // decoded query parameters
  std::string body;
};

struct ApiResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// Called once per request; the handler answers by calling `respond` exactly once, at once or
// later (a join answers when the join completes or its deadline passes), on the io_context.
using ApiResponder = std::function<void(ApiResponse)>;
using ApiHandler = std::function<void(const ApiRequest&, ApiResponder respond)>;

// Percent-decoding of a path or query component ('+' is a space only in queries); false on a
// malformed escape.
bool percent_decode(std::string_view in, bool query, std::string& out);
// Splits "/a/b?x=1&y=%20" into path and query; false if an escape is malformed.
bool split_target(std::string_view target, std::string& path,
                  std::map<std::string, std::string>& query);

class ApiServer {
 public:
  static constexpr size_t kMaxConnections = 64;
  ApiServer(boost::asio::io_context& io, ApiHandler handler);
  ~ApiServer();
  // Binds the unix socket at path (mode 0660, group `group` if not empty) and starts accepting.
  Status listen(const std::string& path, const std::string& group = "");
  // Stops accepting, closes every connection and removes the socket file.
  void close();
  size_t connections() const { return *open_connections_; }

 private:
  class Connection;
  void accept();

  boost::asio::io_context& io_;
  ApiHandler handler_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
  std::string path_;
  std::shared_ptr<size_t> open_connections_ = std::make_shared<size_t>(0);
  std::shared_ptr<bool> closed_ = std::make_shared<bool>(false);
  std::vector<std::weak_ptr<Connection>> live_;  // to close them all in close()
};

}  // namespace smeg::daemon

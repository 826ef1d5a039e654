// The optional Prometheus endpoint on TCP (metrics.listen in the configuration): GET /metrics
// answers the same text as the API's /metrics; anything else is 404. One request per
// connection (Connection: close), bounded like the API (8 KiB request, 10 s to send it, at most
// 16 connections), so a scraper cannot hold the daemon's memory or sockets.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <string>

#include "core/address.h"
#include "core/status.h"

namespace smeg::daemon {

class MetricsListener {
 public:
  using Render = std::function<std::string()>;
  static constexpr size_t kMaxConnections = 16;

  MetricsListener(boost::asio::io_context& io, Render render);
  ~MetricsListener();
  // Binds the endpoint (port 0: any); the error names the endpoint.
  Status listen(const Endpoint& at);
  void close();
  uint16_t port() const { return port_; }

 private:
  void accept();

  Render render_;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::shared_ptr<size_t> open_ = std::make_shared<size_t>(0);
};

}  // namespace smeg::daemon

#include "daemon/metrics_listener.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "daemon/control_socket.h"

namespace smeg::daemon {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;

namespace {
struct Scrape : std::enable_shared_from_this<Scrape> {
  Scrape(tcp::socket s, MetricsListener::Render& r, std::shared_ptr<size_t> open)
      : socket(std::move(s)), timer(socket.get_executor()), render(r), open_count(std::move(open)) {
    ++*open_count;
  }
  ~Scrape() { --*open_count; }

  void start() {
    parser.header_limit(8 << 10);
    parser.body_limit(0);
    timer.expires_after(std::chrono::seconds(10));
    timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) {
        boost::system::error_code ignored;
        self->socket.close(ignored);
      }
    });
    http::async_read(socket, buffer, parser,
                     [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                       self->on_read(ec);
                     });
  }

  void on_read(const boost::system::error_code& ec) {
    if (ec) {
      timer.cancel();
      return;
    }
    const auto& req = parser.get();
    response.version(11);
    response.keep_alive(false);
    response.set(http::field::server, "smegd");
    if (req.method() == http::verb::get && req.target() == "/metrics") {
      response.result(http::status::ok);
      response.set(http::field::content_type, "text/plain; version=0.0.4");
      response.body() = render();
    } else {
      response.result(http::status::not_found);
      response.set(http::field::content_type, "text/plain");
      response.body() = "only GET /metrics is served here\n";
    }
    response.prepare_payload();
    http::async_write(socket, response,
                      [self = shared_from_this()](const boost::system::error_code&, size_t) {
                        boost::system::error_code ignored;
                        self->socket.shutdown(tcp::socket::shutdown_both, ignored);
                        self->socket.close(ignored);
                        self->timer.cancel();
                      });
  }

  tcp::socket socket;
  asio::steady_timer timer;
  MetricsListener::Render& render;
  std::shared_ptr<size_t> open_count;
  boost::beast::flat_buffer buffer;
  http::request_parser<http::empty_body> parser;
  http::response<http::string_body> response;
};
}  // namespace

MetricsListener::MetricsListener(asio::io_context& io, Render render)
    : render_(std::move(render)), acceptor_(io) {}

MetricsListener::~MetricsListener() { close(); }

Status MetricsListener::listen(const Endpoint& at) {
  const tcp::endpoint ep(address_to_asio(at.addr), at.port);
  boost::system::error_code ec;
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    acceptor_.close();
    return Status::io_error("metrics listener " + at.to_string() + ": " + ec.message());
  }
  port_ = acceptor_.local_endpoint().port();
  accept();
  return Status::ok();
}

void MetricsListener::accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec && *open_ < kMaxConnections) {
      std::make_shared<Scrape>(std::move(socket), render_, open_)->start();
    }
    accept();
  });
}

void MetricsListener::close() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

}  // namespace smeg::daemon

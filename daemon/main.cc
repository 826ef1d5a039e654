// smegd: the smegmesh daemon. Reads its configuration, then runs the Daemon (daemon.h), the
// local API (api_routes.h) on a unix socket, the DNS server and the metrics listener on one
// io_context thread until SIGTERM or SIGINT. SIGHUP re-reads the configuration file.
#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "daemon/api_routes.h"
#include "daemon/api_server.h"
#include "daemon/daemon.h"
#include "daemon/dns_server.h"
#include "daemon/dns_upstream.h"
#include "daemon/dns_zone.h"
#include "daemon/log.h"
#include "daemon/metrics_listener.h"
#include "daemon/prometheus.h"

namespace {

using namespace smeg;
using namespace smeg::daemon;

const char* const kUsage =
    "usage: smegd --config FILE [--state-dir DIR] [--socket PATH] [--log-level LEVEL]\n"
    "\n"
    "The smegmesh daemon: forms WireGuard meshes with other hosts and keeps this host's\n"
    "WireGuard interfaces in step with them. Administer it with smegctl.\n"
    "\n"
    "  --config FILE      YAML configuration (see daemon/smegd.example.yaml); required\n"
    "  --state-dir DIR    where the key, meshes and snapshots persist (overrides stateDir)\n"
    "  --socket PATH      the API's unix socket (overrides socket)\n"
    "  --log-level LEVEL  error, warning, info or debug (overrides logLevel)\n"
    "  --help             this text\n"
    "\n"
    "Signals: SIGTERM/SIGINT stop (interfaces stay up), SIGHUP reloads the configuration.\n";

struct Args {
  std::string config;
  std::string state_dir, socket, log_level;
};

// Exit codes: 0 ok, 1 runtime failure, 2 bad usage or configuration.
int parse_args(int argc, char** argv, Args& a) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "smegd: %s needs a value\n%s", arg.c_str(), kUsage);
        return false;
      }
      out = argv[++i];
      return true;
    };
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (arg == "--config" || arg == "-c") {
      if (!value(a.config)) return 2;
    } else if (arg == "--state-dir") {
      if (!value(a.state_dir)) return 2;
    } else if (arg == "--socket") {
      if (!value(a.socket)) return 2;
    } else if (arg == "--log-level") {
      if (!value(a.log_level)) return 2;
    } else {
      std::fprintf(stderr, "smegd: unknown argument \"%s\"\n%s", arg.c_str(), kUsage);
      return 2;
    }
  }
  if (a.config.empty()) {
    std::fprintf(stderr, "smegd: --config FILE is required\n%s", kUsage);
    return 2;
  }
  return -1;
}

Result<Config> load(const Args& a) {
  auto c = load_config(a.config);
  if (!c) return c;
  if (!a.state_dir.empty()) c->state_dir = a.state_dir;
  if (!a.socket.empty()) c->socket_path = a.socket;
  if (!a.log_level.empty()) {
    auto level = parse_log_level(a.log_level);
    if (!level) return Status::invalid_argument("--log-level: " + level.status().message());
    c->log_level = *level;
  }
  return c;
}

// The names DNS serves: every live member with an alias, in every mesh.
std::shared_ptr<const DnsZone> build_zone(const Daemon& d) {
  std::vector<DnsMesh> meshes;
  for (const auto& [id, m] : d.meshes()) {
    const Mesh* mesh = d.node().mesh(id);
    if (!mesh) continue;
    DnsMesh dm;
    dm.id = id;
    for (const RecordRef& r : mesh->live_members()) {
      if (r->alias.empty()) continue;
      dm.nodes.push_back(DnsNode{r->alias, mesh->address_of(*r), r->services});
    }
    meshes.push_back(std::move(dm));
  }
  return DnsZone::build(meshes);
}

std::vector<DnsUpstream> upstreams(const Config& c) {
  std::vector<DnsUpstream> out;
  if (!c.dns.forward) return out;
  if (!c.dns.upstreams.empty()) {
    for (const Endpoint& e : c.dns.upstreams) out.push_back(DnsUpstream{e.addr, "", e.port});
    return out;
  }
  std::ifstream f("/etc/resolv.conf");
  std::stringstream ss;
  ss << f.rdbuf();
  auto parsed = parse_resolv_conf(ss.str());
  if (!parsed) {
    log_warning("dns", "/etc/resolv.conf: " + parsed.status().message() + "; not forwarding");
    return out;
  }
  return *parsed;
}

std::string dns_metrics(const DnsServer* dns) {
  if (!dns) return "";
  const DnsCounters& c = dns->counters();
  PrometheusText t;
  t.family("smeg_dns_queries_total", "counter", "DNS queries, by outcome.");
  const std::pair<const char*, uint64_t> rows[] = {{"local", c.answered_locally},
                                                   {"forwarded", c.forwarded},
                                                   {"refused", c.refused},
                                                   {"malformed_dropped", c.malformed_dropped},
                                                   {"formerr", c.malformed_answered},
                                                   {"servfail", c.servfail}};
  for (const auto& [outcome, n] : rows) {
    t.sample("smeg_dns_queries_total", {{"outcome", outcome}}, static_cast<double>(n));
  }
  t.family("smeg_dns_upstream_timeouts_total", "counter", "Forwarding attempts that timed out.");
  t.sample("smeg_dns_upstream_timeouts_total", static_cast<double>(c.upstream_timeouts));
  return t.take();
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (int rc = parse_args(argc, argv, args); rc >= 0) return rc;
  auto config = load(args);
  if (!config) {
    std::fprintf(stderr, "smegd: %s\n", config.status().message().c_str());
    return 2;
  }
  set_log_level(config->log_level);
  for (const std::string& w : config->warnings) log_warning("config", w);

  boost::asio::io_context io;
  Daemon daemon(io, *config);
  if (Status s = daemon.start(); !s) {
    log_error("daemon", s.message());
    return 1;
  }

  std::shared_ptr<DnsServer> dns;
  // Starts the DNS server on the configured sockets, with the current upstreams and zone.
  auto start_dns = [&]() -> Status {
    DnsServerOptions o;
    o.listen = config->dns.listen;
    o.upstreams = upstreams(*config);
    dns = DnsServer::create(io, o);
    if (Status s = dns->start(); !s) return s;
    dns->set_zone(build_zone(daemon));
    return Status::ok();
  };
  if (config->dns.enabled) {
    if (Status s = start_dns(); !s) {
      log_error("dns", s.message());
      daemon.stop();
      return 1;
    }
  }
  daemon.on_view_changed([&] {
    if (dns) dns->set_zone(build_zone(daemon));
  });

  ExtraMetrics extra = [&] { return dns_metrics(dns.get()); };
  ApiServer api(io, make_api_handler(daemon, extra));
  if (Status s = api.listen(config->socket_path, config->api_group); !s) {
    log_error("api", s.message());
    daemon.stop();
    return 1;
  }
  std::unique_ptr<MetricsListener> metrics;
  if (config->metrics.listen) {
    metrics =
        std::make_unique<MetricsListener>(io, [&] { return daemon.metrics_text() + extra(); });
    if (Status s = metrics->listen(*config->metrics.listen); !s) {
      log_error("metrics", s.message());
      daemon.stop();
      return 1;
    }
  }

  boost::asio::signal_set stop_signals(io, SIGINT, SIGTERM);
  stop_signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    log_info("daemon", std::string("stopping on ") + strsignal(sig));
    api.close();
    if (dns) dns->stop();
    if (metrics) metrics->close();
    daemon.stop();
    io.stop();
  });
  boost::asio::signal_set hup(io, SIGHUP);
  std::function<void()> wait_hup = [&] {
    hup.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      auto next = load(args);
      if (!next) {
        log_error("config",
                  "reload refused, keeping the running configuration: " + next.status().message());
      } else {
        for (const std::string& w : next->warnings) log_warning("config", w);
        const bool dns_changed = next->dns.forward != config->dns.forward ||
                                 next->dns.upstreams != config->dns.upstreams;
        for (const std::string& key : daemon.reload(*next)) {
          log_warning("config", key + " changed: takes effect at the next restart");
        }
        if (dns && dns_changed) {
          // The forwarder takes its upstreams at start: start it again on the same sockets.
          config->dns.forward = next->dns.forward;
          config->dns.upstreams = next->dns.upstreams;
          dns->stop();
          if (Status s = start_dns(); !s) {
            log_error("dns", "restarting for the new upstreams: " + s.message());
          }
        }
        log_info("config", "reloaded " + args.config);
      }
      wait_hup();
    });
  };
  wait_hup();
  log_info("daemon", "running; API on " + config->socket_path);
  io.run();
  return 0;
}

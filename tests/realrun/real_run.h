// The state of one real run between runner.cc (setup, formation, the polling loop) and
// real_run_faults.cc (the faults). Internal to smeg-realrun: use run_real() (runner.h).
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/rng.h"
#include "daemon/api/json.h"
#include "tests/realrun/runner.h"
#include "tests/realrun/views.h"
#include "tests/realrun/world.h"

namespace smeg::realrun {

class RealRun {
 public:
  RealRun(const sim::Scenario& sc, const RealRunPlan& plan, const RunOptions& options);
  // Tears down the world first, so that join requests still waiting return at once.
  ~RealRun();
  RealRun(const RealRun&) = delete;
  RealRun& operator=(const RealRun&) = delete;

  Result<RealRunSummary> run();

 private:
  using Clock = std::chrono::steady_clock;

  // A join sent from a thread of its own: the API answers only once the join is done.
  struct PendingJoin {
    uint32_t host = 0;
    std::thread thread;
    std::string error;  // written by the thread before it sets done
    std::atomic<bool> done{false};
  };

  // Setup and formation (runner.cc).
  Status start_hosts();
  Status form_meshes();
  Status wait_formed();
  Status play();
  // Notes the joins that failed by now.
  void report_joins();
  void poll_all();
  void poll(uint32_t h);
  void scrape(uint32_t h);
  RealRunSummary summarize() const;

  // Faults (real_run_faults.cc).
  Status run_fault(const sim::Fault& f);
  Status crash(uint32_t x, const std::string& why);
  Result<uint32_t> leader_of(const std::string& mesh);
  Status restart(const sim::RestartFault& r);
  Status join(const sim::JoinFault& j);
  // Running members, in host order.
  std::vector<uint32_t> live_members(const std::string& mesh) const;

  // The API of host h (0-based): JSON in and out; errors say which host, request and status.
  Result<api::Json> call(uint32_t h, const std::string& method, const std::string& target,
                         const api::Json* body, int timeout_ms);
  Result<std::string> call_text(uint32_t h, const std::string& method, const std::string& target,
                                const std::string& body, int timeout_ms);
  // An error once the stop flag is set or the time limit has passed.
  Status check_time() const;
  // Microseconds since t = 0 (formation over; before it, since the start).
  int64_t now_us() const;
  void note(const std::string& event);

  const sim::Scenario& sc_;
  const RealRunPlan& plan_;
  const RunOptions& opts_;
  const uint32_t n_;
  Rng rng_;
  Clock::time_point started_;
  Clock::time_point deadline_;
  Clock::time_point t0_;
  std::unique_ptr<HostWorld> world_;
  std::vector<std::string> keys_;               // per host
  std::map<std::string, uint32_t> host_of_;     // key -> host
  std::map<std::string, std::string> mesh_id_;  // scenario mesh name -> real mesh id
  std::vector<bool> up_;                        // smegd running (not killed)
  std::vector<bool> member_;                    // in its mesh (or joining it)
  std::vector<uint32_t> crashed_;               // in crash order, repeats allowed
  std::vector<LabelledCounterTotal> bytes_;     // smeg_gossip_bytes_total by type, per host
  std::vector<LabelledCounterTotal> messages_;  // smeg_gossip_messages_total by type, per host
  ViewTracker views_;
  std::vector<std::unique_ptr<PendingJoin>> joins_;
  std::vector<std::string> events_;
  double formation_seconds_ = 0;
  double real_seconds_ = 0;
  uint64_t rounds_ = 0;  // poll rounds since t = 0
};

}  // namespace smeg::realrun

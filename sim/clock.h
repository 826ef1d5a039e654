// A virtual node's local clock: what the core receives as `now`, as a function of virtual time.
//
// The core only ever sees local time; the engine keeps events, metrics and the network in
// virtual time and converts at the boundary (local() when handing `now` to a node,
// to_virtual() when arming the timer a node asked for in its own time). A clock starts equal to
// virtual time and changes by two faults:
//  - skew: from now on the clock reads `offset` ahead. A positive offset is a step forward. A
//    negative one cannot be a step back: the core's time is monotonic (a real node would use
//    CLOCK_MONOTONIC, which never steps back), and a step back would replay deadlines. Holding
//    the clock still until the offset is absorbed would freeze every timer of the node for
//    |offset|, which is a crash in disguise; instead the clock slews, running at kSlew of its
//    rate until it is |offset| behind (as ntpd slews, only much faster: a 2 s offset takes 4 s).
//  - drift: from now on the clock runs at `rate` times virtual time (a pending slew continues,
//    at the new rate).
// Conversions use integer microseconds and one double multiplication or division, which IEEE
// arithmetic makes identical on every platform.
#pragma once

#include <cstdint>

namespace smeg::sim {

class LocalClock {
 public:
  // A slewing clock runs at this fraction of its rate.
  static constexpr double kSlew = 0.5;

  // Local time at virtual time v; v must not be before the last change. Non-decreasing in v.
  int64_t local(int64_t v) const;
  // The earliest virtual time v >= `not_before` at which local(v) >= l.
  int64_t to_virtual(int64_t l, int64_t not_before) const;

  // Applies an offset at virtual time `now` (see above for negative offsets).
  void skew(int64_t now, int64_t offset);
  // Sets the rate at virtual time `now`; rate > 0.
  void drift(int64_t now, double rate);

  // The virtual time at which a slew in progress ends (now or earlier: none).
  int64_t slew_end() const { return slew_until_; }
  // Whether the clock still equals virtual time (the engine's fast path).
  bool exact() const { return exact_; }
  double rate() const { return rate_; }

 private:
  // Moves the anchor to `now` so that later changes start from the current reading; returns
  // the offset a slew in progress has still to absorb.
  int64_t rebase(int64_t now);
  // Starts slewing `debt` microseconds away from `now`, at the current rate.
  void slew(int64_t now, int64_t debt);

  int64_t v0_ = 0;  // anchor: local(v0_) == l0_
  int64_t l0_ = 0;
  double rate_ = 1.0;
  int64_t slew_until_ = 0;  // from v0_ until here the clock runs at rate_ * kSlew
  bool exact_ = true;
};

}  // namespace smeg::sim

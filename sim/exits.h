// Exit moves: the exits of a destination (::/0) are chosen by consistent hashing, so when one
// of k exits dies only the nodes that had chosen it should move to another (about 1/k of the
// choosers), and nobody else. The simulator records every node's exit when an exit crashes and
// compares with the exits they hold at the end of the run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/identity.h"

namespace smeg::sim {

struct ExitMoves {
  size_t exit_crashes = 0;
  size_t choosers = 0;     // live nodes that had an exit when one crashed and still have one
  size_t had_crashed = 0;  // ... whose exit was the one that crashed (they must move)
  size_t moved = 0;        // ... whose exit is another one at the end
  size_t needless = 0;     // ... of which had not chosen the exit that crashed
  double moved_fraction() const {
    return choosers ? static_cast<double>(moved) / static_cast<double>(choosers) : 0.0;
  }
};

class ExitTracker {
 public:
  // `exit` crashed; before[y] is node y's exit for ::/0 then (zero key: none or not live).
  void crashed(const PublicKey& exit, std::vector<PublicKey> before);
  // now[y]: node y's exit at the end (zero key: none or not live).
  ExitMoves summarize(const std::vector<PublicKey>& now) const;

 private:
  struct Crash {
    PublicKey exit;
    std::vector<PublicKey> before;
  };
  std::vector<Crash> crashes_;
};

}  // namespace smeg::sim

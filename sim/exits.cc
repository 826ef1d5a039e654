#include "sim/exits.h"

namespace smeg::sim {

void ExitTracker::crashed(const PublicKey& exit, std::vector<PublicKey> before) {
  crashes_.push_back(Crash{exit, std::move(before)});
}

ExitMoves ExitTracker::summarize(const std::vector<PublicKey>& now) const {
  ExitMoves m;
  m.exit_crashes = crashes_.size();
  for (const Crash& c : crashes_) {
    for (size_t y = 0; y < c.before.size() && y < now.size(); ++y) {
      if (c.before[y].is_zero() || now[y].is_zero()) continue;
      ++m.choosers;
      if (c.before[y] == c.exit) ++m.had_crashed;
      if (now[y] == c.before[y]) continue;
      ++m.moved;
      if (c.before[y] != c.exit) ++m.needless;
    }
  }
  return m;
}

}  // namespace smeg::sim

#include "sim/clock.h"

#include <algorithm>
#include <cmath>

namespace smeg::sim {
namespace {

// Whole microseconds of a non-negative product, rounded down.
int64_t floor_us(double x) { return static_cast<int64_t>(std::floor(x)); }
int64_t ceil_us(double x) { return static_cast<int64_t>(std::ceil(x)); }

}  // namespace

int64_t LocalClock::local(int64_t v) const {
  if (exact_) return v;
  const double slow = rate_ * kSlew;
  if (v <= slew_until_) return l0_ + floor_us(static_cast<double>(v - v0_) * slow);
  const int64_t s = std::max(v0_, slew_until_);
  const int64_t at_s = l0_ + floor_us(static_cast<double>(s - v0_) * slow);
  return at_s + floor_us(static_cast<double>(v - s) * rate_);
}

int64_t LocalClock::to_virtual(int64_t l, int64_t not_before) const {
  if (exact_) return std::max(l, not_before);
  if (local(not_before) >= l) return not_before;
  const int64_t s = std::max(v0_, slew_until_);
  const int64_t at_s = local(s);
  int64_t v = l <= at_s ? v0_ + ceil_us(static_cast<double>(l - l0_) / (rate_ * kSlew))
                        : s + ceil_us(static_cast<double>(l - at_s) / rate_);
  v = std::max(v, not_before);
  // The estimate can be a microsecond off either way after rounding; settle it exactly, so
  // that a timer never fires before the node's deadline (it would be re-armed at once, forever).
  while (local(v) < l) ++v;
  while (v > not_before && local(v - 1) >= l) --v;
  return v;
}

int64_t LocalClock::rebase(int64_t now) {
  const int64_t l = local(now);
  const double debt =
      slew_until_ > now ? static_cast<double>(slew_until_ - now) * rate_ * (1 - kSlew) : 0.0;
  v0_ = now;
  l0_ = l;
  slew_until_ = now;
  exact_ = false;
  return ceil_us(debt);
}

void LocalClock::slew(int64_t now, int64_t debt) {
  if (debt > 0) slew_until_ = now + ceil_us(static_cast<double>(debt) / (rate_ * (1 - kSlew)));
}

void LocalClock::skew(int64_t now, int64_t offset) {
  int64_t debt = rebase(now);
  if (offset >= 0) {
    l0_ += offset;
  } else {
    debt -= offset;
  }
  slew(now, debt);
}

void LocalClock::drift(int64_t now, double rate) {
  const int64_t debt = rebase(now);
  rate_ = rate;
  slew(now, debt);
}

}  // namespace smeg::sim

#include "models/ks_distance.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace fleetgrid::models {

double KsDistance(std::vector<double> a, std::vector<double> b) {
  if (a.empty() && b.empty()) return 0;
  if (a.empty() || b.empty()) return 1;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  const double na = static_cast<double>(a.size());
  const double nb = static_cast<double>(b.size());
  size_t i = 0, j = 0;
  double d = 0;
  // Step both functions past each distinct value at once, so that ties do not count as gaps.
  while (i < a.size() && j < b.size()) {
    const double x = std::min(a[i], b[j]);
    while (i < a.size() && a[i] == x) ++i;
    while (j < b.size() && b[j] == x) ++j;
    d = std::max(d, std::abs(static_cast<double>(i) / na - static_cast<double>(j) / nb));
  }
  return d;
}

double HistogramKsDistance(const std::vector<double>& a, const std::vector<double>& b) {
  const double ta = std::accumulate(a.begin(), a.end(), 0.0);
  const double tb = std::accumulate(b.begin(), b.end(), 0.0);
  if (ta <= 0 || tb <= 0) return ta == tb ? 0 : 1;
  double ca = 0, cb = 0, d = 0;
  for (size_t k = 0; k < a.size() && k < b.size(); ++k) {
    ca += a[k];
    cb += b[k];
    d = std::max(d, std::abs(ca / ta - cb / tb));
  }
  return d;
}

}  // namespace fleetgrid::models

// Distances between two samples or two histograms, for checking that a model reproduces
// its input (trace replay against its session files, tests/models/trace_test.cc).
#pragma once

#include <vector>

namespace fleetgrid::models {

// The two-sample Kolmogorov-Smirnov statistic: the largest gap between the two empirical
// distribution functions, in [0, 1]. Takes copies (it sorts them). 0 for two empty samples;
// 1 when exactly one is empty.
double KsDistance(std::vector<double> a, std::vector<double> b);

// The largest gap between the cumulative shares of two histograms over the same bins (the
// KS statistic of binned data), each normalised by its own total.
// REQUIRES: a.size() == b.size().
double HistogramKsDistance(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace fleetgrid::models

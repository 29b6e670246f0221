#!/usr/bin/env python3
"""Heartbeat delay quantiles between two scrapes of a coordinator's /metrics.

    heartbeat_delay.py BEFORE.txt AFTER.txt  ->  {"heartbeats": n, "p50_us": .., "p99_us": ..,
                                                  "p999_us": ..}

Each quantile is the upper bound of the histogram bucket that holds it (buckets ~9% wide).
"""
import json
import re
import sys


def parse(path):
    d = {}
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        k, v = line.rsplit(" ", 1)
        d[k] = float(v)
    return d


def quantiles(a, b):
    name = "fleetgrid_heartbeat_delay_seconds"
    n = b[name + "_count"] - a.get(name + "_count", 0)
    buckets = sorted((float(re.search(r'le="([^"]+)"', k).group(1)), b[k] - a.get(k, 0))
                     for k in b if k.startswith(name + "_bucket") and "+Inf" not in k)

    def q(p):
        for le, c in buckets:
            if c >= p * n:
                return le * 1e6
        return float("inf")

    return {"heartbeats": n, "p50_us": q(0.5), "p99_us": q(0.99), "p999_us": q(0.999)}


if __name__ == "__main__":
    print(json.dumps(quantiles(parse(sys.argv[1]), parse(sys.argv[2]))))

#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Parse a Prometheus text exposition with the prometheus_client parser (a real one, from
Debian) and print the values asked for, one per line, so shell tests can compare them.

usage: prom_check.py FILE 'name{label="v",...}' ...
A histogram's samples are asked for by their sample names (x_bucket{...,le="0.001"}, x_count).
Exits 1 when the text does not parse, 2 when a sample asked for is missing. Also checks that
every histogram's buckets are cumulative and end in +Inf equal to its count.
"""
import re
import sys

from prometheus_client.parser import text_string_to_metric_families


def key(name, labels):
    return name + "{" + ",".join('%s="%s"' % kv for kv in sorted(labels.items())) + "}"


def main():
    text = open(sys.argv[1]).read()
    samples = {}
    try:
        for fam in text_string_to_metric_families(text):
            by_series = {}
            for s in fam.samples:
                samples[key(s.name, s.labels)] = s.value
                if fam.type == "histogram" and s.name.endswith("_bucket"):
                    series = tuple(sorted((k, v) for k, v in s.labels.items() if k != "le"))
                    by_series.setdefault(series, []).append((float(s.labels["le"]), s.value))
            for series, buckets in by_series.items():
                values = [v for _, v in sorted(buckets)]
                if values != sorted(values):
                    sys.exit("histogram %s %s: buckets not cumulative" % (fam.name, series))
                count = samples.get(key(fam.name + "_count", dict(series)))
                if max(buckets)[0] != float("inf") or values[-1] != count:
                    sys.exit("histogram %s %s: +Inf bucket != count" % (fam.name, series))
    except ValueError as e:
        print("does not parse: %s" % e, file=sys.stderr)
        sys.exit(1)
    for want in sys.argv[2:]:
        m = re.fullmatch(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\}", want)
        labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2))) if m else {}
        k = key(m.group(1), labels) if m else key(want, {})
        if k not in samples:
            print("missing sample %s" % want, file=sys.stderr)
            sys.exit(2)
        v = samples[k]
        print(int(v) if v == int(v) else v)


if __name__ == "__main__":
    main()

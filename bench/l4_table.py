#!/usr/bin/python3
"""One row of the L4 packet-rate tables (bench/l4_rate.sh, bench/l4_paired.sh), or their header.

usage: bench/l4_table.py --header rate|paired|ab
       bench/l4_table.py rate|paired|ab SIZE FLOWS ROUNDS_FILE

ROUNDS_FILE has a line per round: testpmd's busy cycles per packet, meshpath's, testpmd's and
meshpath's packets per second, then, for `rate`, testpmd's RX polls (spaces as underscores) and,
for `paired`, the generator's turns and the CPU handoff round trip before and after the round
(ns, "B/A": the host's placement of the generator's and the devices' CPUs). `ab` is `paired` with another meshpath build as the
baseline instead of testpmd (bench/l4_paired.sh with L4_BASE). "?" stands for what a round could not measure. The columns
are the rounds' medians; the ratio per core is the median of each round's ratio, and each
round's is printed too: on a shared machine one round can move by 10 % or more.
"""
import statistics
import sys

HEADERS = {
    "rate": ["ratio of rates", "testpmd's RX polls"],
    "paired": ["turns", "CPU 0-1 round trip ns, before/after each round"],
    "ab": ["turns", "CPU 0-1 round trip ns, before/after each round"],
}


def common(mode):
    base = "base meshpath" if mode == "ab" else "testpmd io"
    return ["size (B)", "flows", base + " busy cycles/pkt",
            "meshpath L4 full-NAT busy cycles/pkt", "ratio per core", "each round's",
            base + " (Mpps)", "meshpath L4 full-NAT (Mpps)"]


def num(v):
    try:
        return float(v)
    except ValueError:
        return None


def med(values, fmt, scale=1.0):
    values = [v / scale for v in values if v]
    return fmt % statistics.median(values) if values else "?"


def row(mode, size, flows, path):
    rounds = [(line.split() + ["?"] * 6)[:6] for line in open(path) if line.strip()]
    tc, mc, bp, mp = ([num(r[i]) for r in rounds] for i in range(4))
    per_core = [a / b if a and b else None for a, b in zip(tc, mc)]
    cells = [size, flows, med(tc, "%.0f"), med(mc, "%.0f"), med(per_core, "%.2f"),
             " ".join("%.2f" % v if v else "?" for v in per_core),
             med(bp, "%.2f", 1e6), med(mp, "%.2f", 1e6)]
    if mode == "rate":
        cells += [med([b / a if a and b else None for a, b in zip(bp, mp)], "%.2f"),
                  "; ".join(r[4].replace("_", " ") for r in rounds)]
    else:
        cells += [med([num(r[4]) for r in rounds], "%.0f"), " ".join(r[5] for r in rounds)]
    return cells


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--header" and sys.argv[2] in HEADERS:
        cols = common(sys.argv[2]) + HEADERS[sys.argv[2]]
        print("| " + " | ".join(cols) + " |")
        print("|" + "---|" * len(cols))
    elif len(sys.argv) == 5 and sys.argv[1] in HEADERS:
        print("| " + " | ".join(row(*sys.argv[1:5])) + " |")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()

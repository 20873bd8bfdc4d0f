#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Turn the raw results of one `make bench` run into report.md and PNG plots.

usage: bench/report.py RESULTS_DIR

Reads what bench/run.sh left in RESULTS_DIR/raw/:
  micro.json   Google Benchmark JSON (with repetitions: the median aggregate is used)
  *.md         markdown tables printed by the macro scripts (l4_rate.md, l4_conns.md,
               tcp_goodput.md, ...)
  steps.txt    one line per step: name, seconds, status
and writes RESULTS_DIR/report.md and RESULTS_DIR/*.png. Every micro result is shown beside the
baseline measured in the same run, and as a ratio to it: absolute numbers from this shared
machine mean little on their own.
"""
import json
import os
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# A benchmark is a baseline when one component of its name says so. Every other benchmark whose
# name differs from a baseline's in exactly that component is measured against it.
BASELINE = re.compile(r"baseline|^rte_|^http_parser$")


def micro_results(path):
    with open(path) as f:
        data = json.load(f)
    out = {}
    for b in data.get("benchmarks", []):
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        name = b.get("run_name", b["name"])
        ns = b["real_time"] if b.get("time_unit", "ns") == "ns" else None
        per_item = None
        for k, v in b.items():
            if k.startswith("ns_per_") and isinstance(v, (int, float)):
                # An inverted rate counter: JSON holds seconds per item.
                per_item = (k[len("ns_per_"):], v * 1e9 if v < 1e-3 else v)
        if ns is None:
            continue
        out[name] = {"ns": ns, "per_item": per_item, "label": b.get("label", "")}
    return out


def micro_pairs(res):
    """[(family, name, baseline_name, ratio)] with ratio = time / baseline time."""
    names = sorted(res)
    pairs = []
    for base in names:
        bp = base.split("/")
        idx = [i for i, c in enumerate(bp) if BASELINE.search(c)]
        if len(idx) != 1:
            continue
        i = idx[0]
        for n in names:
            np_ = n.split("/")
            if n == base or len(np_) != len(bp) or BASELINE.search(np_[i]):
                continue
            # A build or set-up benchmark (no per-item time) is not a variant of a per-item one.
            if (res[n]["per_item"] is None) != (res[base]["per_item"] is None):
                continue
            if all(np_[j] == bp[j] for j in range(len(bp)) if j != i):
                family = "/".join(bp[:i] + ["*"] + bp[i + 1:])
                pairs.append((family, n, base, res[n]["ns"] / res[base]["ns"]))
    return pairs


def md_tables(path):
    """The markdown tables in a file: [(header, rows)]."""
    tables, cur = [], None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("|"):
                cur = None
                continue
            cells = [c.strip() for c in line.strip("|").split("|")]
            if cur is None:
                cur = (cells, [])
                tables.append(cur)
            elif all(re.fullmatch(r":?-+:?", c) for c in cells):
                continue
            else:
                cur[1].append(cells)
    return tables


def fmt_table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def num(s):
    try:
        return float(s)
    except ValueError:
        return None


def plot_micro(pairs, path):
    if not pairs:
        return False
    labels = [p[1] for p in pairs]
    ratios = [p[3] for p in pairs]
    fig, ax = plt.subplots(figsize=(9, 0.28 * len(pairs) + 1.2))
    ax.barh(range(len(pairs)), ratios, color=["tab:green" if r <= 1 else "tab:red" for r in ratios])
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_yticks(range(len(pairs)))
    ax.set_yticklabels(labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("time / baseline time, same run (left of 1: faster than the baseline)")
    ax.set_title("Micro benchmarks against their baselines")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def plot_bars(title, header, rows, label_cols, value_cols, ylabel, path):
    """Grouped bars: one group per row (labelled by label_cols), one bar per value column."""
    vals = [[num(r[c]) or 0 for c in value_cols] for r in rows]
    if not rows:
        return False
    groups = [" / ".join(r[c] for c in label_cols) for r in rows]
    width = 0.8 / len(value_cols)
    fig, ax = plt.subplots(figsize=(max(5, 1.6 * len(rows) + 2), 4))
    for j, c in enumerate(value_cols):
        ax.bar([i + j * width for i in range(len(rows))], [v[j] for v in vals], width,
               label=header[c])
    ax.set_xticks([i + width * (len(value_cols) - 1) / 2 for i in range(len(rows))])
    ax.set_xticklabels(groups, fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def col(header, pattern):
    for i, h in enumerate(header):
        if re.search(pattern, h, re.I):
            return i
    return None


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    d = sys.argv[1]
    raw = os.path.join(d, "raw")
    out = ["# meshpath benchmark report", ""]
    meta = os.path.join(raw, "meta.txt")
    if os.path.exists(meta):
        out += ["```", open(meta).read().strip(), "```", ""]
    out += ["Every number here is a ratio to a baseline measured in the same run, or stands "
            "beside that baseline: this machine is shared and noisy. bench/README.md says what "
            "each scenario compares.", ""]

    steps = os.path.join(raw, "steps.txt")
    if os.path.exists(steps):
        rows = [l.rstrip("\n").split("\t") for l in open(steps) if l.strip()]
        out += ["## Steps", "", fmt_table(["step", "seconds", "status"], rows), ""]

    micro = os.path.join(raw, "micro.json")
    if os.path.exists(micro):
        res = micro_results(micro)
        pairs = micro_pairs(res)
        rows = []
        for fam, n, base, r in pairs:
            pi = res[n]["per_item"]
            bpi = res[base]["per_item"]
            per = ("%.1f / %.1f ns per %s" % (pi[1], bpi[1], pi[0])) if pi and bpi else ""
            rows.append([n, base, "%.0f" % res[n]["ns"], "%.0f" % res[base]["ns"], "%.2f" % r,
                         per])
        out += ["## Micro benchmarks (median of the repetitions)", "",
                fmt_table(["benchmark", "baseline", "ns/iter", "baseline ns/iter",
                           "ratio (lower is faster)", "per item"], rows), ""]
        if plot_micro(pairs, os.path.join(d, "micro.png")):
            out += ["![micro](micro.png)", ""]
        alone = sorted(set(res) - {p[1] for p in pairs} - {p[2] for p in pairs})
        if alone:
            out += ["Without a baseline of their own (shown for completeness): " +
                    ", ".join("`%s` %.0f ns" % (n, res[n]["ns"]) for n in alone), ""]

    for name, title in (("l4_rate", "L4 packet rate against testpmd io forwarding"),
                        ("l4_conns", "L4 new connections per second against HAProxy and nginx")):
        p = os.path.join(raw, name + ".md")
        if not os.path.exists(p):
            continue
        out += ["## " + title, ""]
        for header, rows in md_tables(p):
            out += [fmt_table(header, rows), ""]
            if name == "l4_rate":
                a, b = col(header, "testpmd"), col(header, "meshpath.*Mpps")
                if a is not None and b is not None and plot_bars(
                        title, header, rows, [0, 1], [a, b], "Mpps (one core)",
                        os.path.join(d, name + ".png")):
                    out += ["![%s](%s.png)" % (name, name), ""]
            if name == "l4_conns":
                v = col(header, "connections")
                if v is not None and plot_bars(title, header, rows, [0], [v],
                                               "new connections per second",
                                               os.path.join(d, name + ".png")):
                    out += ["![%s](%s.png)" % (name, name), ""]
    # The TCP stack against the kernel: the script's markdown as it is (its notes say how each
    # number was measured), and the ratios as bars.
    p = os.path.join(raw, "tcp_goodput.md")
    if os.path.exists(p):
        title = "TCP stack against the kernel (goodput, connections/s, state)"
        out += ["## " + title, "", open(p).read().strip(), ""]
        for header, rows in md_tables(p)[:1]:
            r = col(header, "/ kernel")
            # Bars labelled by what the row measures, without its unit and details.
            rows = [[re.split(r"[,(]", row[0])[0].strip()] + row[1:] for row in rows
                    if r is not None and num(row[r]) is not None]
            if rows and plot_bars(title, header, rows, [0], [r], "meshpath / kernel (same run)",
                                  os.path.join(d, "tcp_goodput.png")):
                out += ["![tcp_goodput](tcp_goodput.png)", ""]
    with open(os.path.join(d, "report.md"), "w") as f:
        f.write("\n".join(out))


if __name__ == "__main__":
    main()

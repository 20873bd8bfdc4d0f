#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Turn the raw results of one `make bench` run into report.md and PNG plots.

usage: bench/report.py RESULTS_DIR
       bench/report.py --l7 RAW/l7.jsonl|RAW/l7_mem.jsonl   (print that step's tables)

Reads what bench/run.sh left in RESULTS_DIR/raw/:
  micro.json   Google Benchmark JSON (with repetitions: the median aggregate is used)
  *.md         markdown tables printed by the macro scripts (l4_rate.md, l4_conns.md,
               tcp_goodput.md, ...)
  l7.jsonl     bench/l7.sh rate: one JSON object per measurement (wrk closed loop, l7load open
               loop with its latency CDF)
  l7_mem.jsonl bench/l7.sh memory: RSS with 10k and 100k idle connections per proxy
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
        if b.get("error_occurred"):
            continue  # no time to show: micro_failures() lists it
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


def micro_failures(path):
    """[(name, message)] of the runs that marked themselves failed (mp_bench_skip())."""
    with open(path) as f:
        data = json.load(f)
    out = {}
    for b in data.get("benchmarks", []):
        if b.get("error_occurred"):
            out[b.get("run_name", b["name"])] = b.get("error_message", "")
    return sorted(out.items())


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


# ---- L7 (bench/l7.sh): raw/l7.jsonl and raw/l7_mem.jsonl --------------------------------------

L7_PROXIES = ["kernel", "nginx", "haproxy", "meshpath"]
L7_NAMES = {"kernel": "kernel forwarding (DNAT)", "nginx": "nginx", "haproxy": "HAProxy",
            "meshpath": "meshpath"}
L7_COLORS = {"kernel": "tab:gray", "nginx": "tab:green", "haproxy": "tab:blue",
             "meshpath": "tab:red"}
L7_WORKLOADS = {"keepalive_small": "keep-alive, 100 B", "new_conn_small": "new connection, 100 B",
                "keepalive_1MiB": "keep-alive, 1 MiB"}


def jsonl(path):
    out = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                out.append(json.loads(line))
    return out


def ratio(a, b):
    return "%.2f" % (a / b) if a and b else "-"


def l7_tables(recs):
    """Markdown for the rate scenarios: closed-loop table, open-loop table."""
    closed = {(r["workload"], r["proxy"]): r for r in recs if r.get("kind") == "closed"}
    na = {(r["workload"], r["proxy"]): r["why"] for r in recs if not r.get("available", True)}
    out = ["Closed loop, `wrk -t1 -c32`: the maximum rate. "
           "CPU per request: the proxy's utime + stime over the run (meshpath: its busy cycles "
           "/ TSC Hz) / requests; kernel forwarding runs in softirq and has no process. wrk's "
           "latencies are closed loop (queueing hidden): quote the open-loop ones below.", ""]
    rows = []
    for wl in L7_WORKLOADS:
        k = closed.get((wl, "kernel"), {}).get("wrk", {}).get("rate")
        n = closed.get((wl, "nginx"), {}).get("wrk", {}).get("rate")
        for p in L7_PROXIES:
            if (wl, p) in na:
                rows.append([L7_WORKLOADS[wl], L7_NAMES[p], "not available: " + na[(wl, p)]] +
                            [""] * 7)
                continue
            r = closed.get((wl, p))
            if r is None:
                continue
            w = r["wrk"]
            cpu = ("%.1f" % (r["cpu_s"] * 1e6 / w["requests"])
                   if r.get("cpu_s") and w.get("requests") else "-")
            rows.append([L7_WORKLOADS[wl], L7_NAMES[p], "%.0f" % w["rate"], ratio(w["rate"], k),
                         ratio(w["rate"], n),
                         "%.2f" % (w["p50_us"] / 1e3) if w.get("p50_us") else "-",
                         "%.2f" % (w["p99_us"] / 1e3) if w.get("p99_us") else "-",
                         cpu, "%.1f" % (r["rss_kb"] / 1024) if r.get("rss_kb") else "-",
                         str(w.get("errors", 0))])
    out += [fmt_table(["workload", "proxy", "req/s", "/ kernel", "/ nginx", "p50 ms", "p99 ms",
                       "CPU µs/req", "RSS MiB", "errors"], rows), ""]
    out += l7_headline(closed, na)
    opened = [r for r in recs if r.get("kind") == "open"]
    out += ["Open loop, `meshpath-l7load -c32`: the same offered loads for every proxy, at "
            "25/50/75 % of the slowest proxy's closed-loop peak for the workload in this run "
            "(so below every proxy's saturation, give or take this machine's noise); latency "
            "from each request's scheduled send time (no coordinated omission). Achieved below "
            "offered, or errors (timeouts: requests not answered within the drain), mean the "
            "proxy saturated at that load.", ""]
    rows = []
    base = {(r["workload"], r["load_pct"], r["proxy"]): r["l7load"] for r in opened}
    for r in opened:
        l = r["l7load"]
        lat = l["latency_us"]
        ng = base.get((r["workload"], r["load_pct"], "nginx"), {}).get("latency_us", {})
        rows.append([L7_WORKLOADS[r["workload"]], L7_NAMES[r["proxy"]],
                     "%.0f (%d%% of %d)" % (l["rate_offered"], r["load_pct"],
                                            r.get("base_rate", 0)),
                     "%.0f" % l["rate_achieved"], "%.0f" % lat["p50"], "%.0f" % lat["p99"],
                     "%.0f" % lat["p999"], ratio(lat["p99"], ng.get("p99")),
                     str(l["errors"]["total"])])
    out += [fmt_table(["workload", "proxy", "offered req/s", "achieved", "p50 µs", "p99 µs",
                       "p99.9 µs", "p99 / nginx's", "errors"], rows), ""]
    return out


def l7_headline(closed, na):
    """Issue 5's proxy row: wrk -c32 keep-alive small responses, meshpath over each peer."""
    wl = "keepalive_small"
    out = ["**Proxy row** (keep-alive, 100 B, wrk -c32): "]
    if (wl, "meshpath") in na:
        return [out[0] + "meshpath not available (%s); its peers above." % na[(wl, "meshpath")],
                ""]
    m = closed.get((wl, "meshpath"))
    if m is None:
        return []

    def cpu(r):
        w = r["wrk"]
        return r["cpu_s"] / w["requests"] if r.get("cpu_s") and w.get("requests") else None

    parts = []
    for p in ("nginx", "haproxy"):
        r = closed.get((wl, p))
        if r is None:
            continue
        parts.append("over %s: req/s %s, p50 %s, p99 %s, CPU per request %s" % (
            L7_NAMES[p], ratio(m["wrk"]["rate"], r["wrk"]["rate"]),
            ratio(m["wrk"].get("p50_us"), r["wrk"].get("p50_us")),
            ratio(m["wrk"].get("p99_us"), r["wrk"].get("p99_us")), ratio(cpu(m), cpu(r))))
    return [out[0] + "meshpath " + "; ".join(parts) + ".", ""]


def l7_mem_table(recs):
    out = ["Idle keep-alive client connections, each after one request, held through the proxy. "
           "Bytes per connection = (RSS with N held - RSS before) / N, user space only (the "
           "kernel's socket memory is not in RSS). Kernel forwarding: one conntrack entry per "
           "connection (its slab object size). meshpath preallocates and zeroes its connection "
           "tables at start, so its RSS hardly grows with connections: its bytes per connection "
           "are the state each one holds (a TCP connection and a proxy client connection), "
           "and its preallocation and RSS growth are in the note. The 10k -> 100k column is the cost of each further "
           "connection, without what the first ones touched for the first time. The sandbox "
           "caps a process at `ulimit -Hn` descriptors, so for 100k connections nginx runs several "
           "workers and HAProxy several processes (SO_REUSEPORT), all on the proxy's CPU, "
           "their RSS summed (the RSS before includes them all). Connections that the load "
           "generator could not open or hold are in `idle errors`.", ""]
    rows = []
    per = {}
    for r in recs:
        p = r["proxy"]
        if not r.get("available", True):
            rows.append([L7_NAMES[p], "not available: " + r["why"]] + [""] * 7)
            continue
        b1 = (r["rss1_kb"] - r["rss0_kb"]) * 1024 / r["held1"] if r.get("held1") else None
        b2 = (r["rss2_kb"] - r["rss0_kb"]) * 1024 / r["held2"] if r.get("held2") else None
        dh = r.get("held2", 0) - r.get("held1", 0)
        bm = (r["rss2_kb"] - r["rss1_kb"]) * 1024 / dh if dh > 0 else None
        note = ""
        if p == "kernel":
            b1 = b2 = bm = r.get("conntrack_obj_bytes") or None
            note = "%d conntrack entries" % r.get("conntrack", 0)
        if p == "meshpath":
            sz = r.get("sizes", {})
            tc, pd = sz.get("tcp_conn", 0), sz.get("proxy_down", 0)
            nd = r.get("http_max_downstream_connections", 0)
            note = ("preallocated at start: tcp.max_connections = %d x %d B of TCP state "
                    "= %.1f MiB, http.max_downstream_connections = %d x %d B of proxy state "
                    "= %.1f MiB, EAL memory %d MB; a held client connection takes one of each "
                    "(%d B), and buffers from tcp.worker_buffer_mb only while bytes wait"
                    % (r.get("tcp_max_connections", 0), tc,
                       r.get("tcp_max_connections", 0) * tc / 2**20, nd, pd, nd * pd / 2**20,
                       r.get("eal_mb", 0), tc + pd))
            if tc and pd:
                # Preallocated and zeroed at start, the state is in the RSS before: what the
                # RSS then grows by is what the first touches of buffers and tables cost, not
                # the connections. The state each connection holds is the honest number.
                note += ("; RSS growth alone: %s B/conn at 10k, %s at 100k" %
                         ("%.0f" % b1 if b1 else "-", "%.0f" % b2 if b2 else "-"))
                b1 = b2 = bm = tc + pd
        per[p] = (b1, b2)
        rows.append([L7_NAMES[p], str(r.get("processes", "")),
                     "%.1f" % (r["rss0_kb"] / 1024),
                     "%d: %s" % (r["held1"], "%.0f" % b1 if b1 else "-"),
                     "%d: %s" % (r["held2"], "%.0f" % b2 if b2 else "-"),
                     "%.0f" % bm if bm else "-", "%.1f" % (r["rss2_kb"] / 1024),
                     str(r.get("idle_errors", "-")), note])
    out += [fmt_table(["proxy", "processes", "RSS before MiB", "10k held: B/conn",
                       "100k held: B/conn", "10k -> 100k: B/conn", "RSS at 100k MiB", "idle errors",
                       "note"],
                      rows), ""]
    ng = per.get("nginx", (None, None))
    rr = ["%s: %s" % (L7_NAMES[p], ratio(v[1], ng[1])) for p, v in per.items() if p != "nginx"]
    if ng[1] and rr:
        out += ["Bytes per connection at 100k over nginx's: " + ", ".join(rr), ""]
    return out, per


def plot_l7_rate(recs, path):
    closed = [r for r in recs if r.get("kind") == "closed"]
    if not closed:
        return False
    fig, axes = plt.subplots(1, len(L7_WORKLOADS), figsize=(12, 4))
    for ax, wl in zip(axes, L7_WORKLOADS):
        rs = {r["proxy"]: r["wrk"]["rate"] for r in closed if r["workload"] == wl}
        names = [p for p in L7_PROXIES if p in rs]
        ax.bar(range(len(names)), [rs[p] for p in names],
               color=[L7_COLORS[p] for p in names])
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels([L7_NAMES[p].split(" (")[0] for p in names], fontsize=8, rotation=15)
        ax.set_title(L7_WORKLOADS[wl], fontsize=10)
        ax.set_ylabel("requests/s (wrk -c32, closed loop)")
    fig.suptitle("L7 maximum rate, one proxy core")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def plot_l7_cdf(recs, path):
    opened = [r for r in recs if r.get("kind") == "open"]
    if not opened:
        return False
    styles = {25: ":", 50: "--", 75: "-"}
    fig, axes = plt.subplots(1, len(L7_WORKLOADS), figsize=(14, 4.5))
    for ax, wl in zip(axes, L7_WORKLOADS):
        for r in opened:
            if r["workload"] != wl or not r["l7load"]["requests"]:
                continue
            cdf = r["l7load"]["cdf"]
            ax.plot([c[1] for c in cdf], [c[0] for c in cdf], styles.get(r["load_pct"], "-"),
                    color=L7_COLORS.get(r["proxy"], "black"), linewidth=1,
                    label="%s %d%%" % (L7_NAMES[r["proxy"]].split(" (")[0], r["load_pct"]))
        ax.set_xscale("log")
        ax.set_xlabel("latency µs (from the scheduled send)")
        ax.set_ylabel("quantile")
        ax.set_title(L7_WORKLOADS[wl], fontsize=10)
        ax.grid(True, which="both", linewidth=0.3)
        ax.legend(fontsize=6)
    fig.suptitle("L7 latency CDFs, open loop at 25/50/75 % of the slowest proxy's peak "
                 "(the same loads for all)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def plot_l7_mem(per, path):
    names = [p for p in L7_PROXIES if p in per]
    if not names:
        return False
    fig, ax = plt.subplots(figsize=(7, 4))
    for j, (lbl, k) in enumerate((("10k idle", 0), ("100k idle", 1))):
        ax.bar([i + j * 0.4 for i in range(len(names))], [per[p][k] or 0 for p in names], 0.4,
               label=lbl)
    ax.set_xticks([i + 0.2 for i in range(len(names))])
    ax.set_xticklabels([L7_NAMES[p].split(" (")[0] for p in names], fontsize=8)
    ax.set_ylabel("bytes per idle connection (RSS)")
    ax.set_title("Memory per idle client connection")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def l7_report(d, raw):
    out = []
    p = os.path.join(raw, "l7.jsonl")
    if os.path.exists(p):
        recs = jsonl(p)
        out += ["## L7 end to end: kernel forwarding, nginx, HAProxy, meshpath", ""]
        out += l7_tables(recs)
        if plot_l7_rate(recs, os.path.join(d, "l7_rate.png")):
            out += ["![l7_rate](l7_rate.png)", ""]
        if plot_l7_cdf(recs, os.path.join(d, "l7_cdf.png")):
            out += ["![l7_cdf](l7_cdf.png)", ""]
    p = os.path.join(raw, "l7_mem.jsonl")
    if os.path.exists(p):
        md, per = l7_mem_table(jsonl(p))
        out += ["## L7 memory: idle client connections", ""] + md
        if plot_l7_mem(per, os.path.join(d, "l7_mem.png")):
            out += ["![l7_mem](l7_mem.png)", ""]
    return out


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--l7":
        # bench/l7.sh prints its tables with this.
        f = sys.argv[2]
        recs = jsonl(f)
        print("\n".join(l7_mem_table(recs)[0] if "mem" in os.path.basename(f) else
                        l7_tables(recs)))
        return
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
        failed = micro_failures(micro)
        if failed:
            out += ["Failed, no number (the benchmark's own check): " +
                    "; ".join("`%s`: %s" % (n, m) for n, m in failed), ""]

    for name, title in (("memprobe", "Random loads packed and one per 4 KiB page "
                                     "(what a million flows' lookups pay)"),
                        ("l4_rate", "L4 packet rate against testpmd io forwarding"),
                        ("l4_paired", "L4 packet rate against testpmd io, paired in time"),
                        ("l4_conns", "L4 new connections per second against HAProxy and nginx")):
        p = os.path.join(raw, name + ".md")
        if not os.path.exists(p):
            continue
        out += ["## " + title, ""]
        for header, rows in md_tables(p):
            out += [fmt_table(header, rows), ""]
            if name in ("l4_rate", "l4_paired"):
                # What each costs per packet on its core: the rates' ratio is the generator's.
                a, b = col(header, "testpmd.*cycles"), col(header, "meshpath.*cycles")
                if a is not None and b is not None and plot_bars(
                        title, header, rows, [0, 1], [a, b],
                        "busy cycles per packet (one core, lower is better)",
                        os.path.join(d, name + ".png")):
                    out += ["![%s](%s.png)" % (name, name), ""]
            if name == "l4_conns":
                v = col(header, "connections")
                if v is not None and plot_bars(title, header, rows, [0], [v],
                                               "new connections per second",
                                               os.path.join(d, name + ".png")):
                    out += ["![%s](%s.png)" % (name, name), ""]
    out += l7_report(d, raw)
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

#!/usr/bin/env python3
"""Summarises scripts/bench guest-io from its raw directory:

  CONFIG-rROUND-WORKLOAD.json   fio's JSON output (one job, numjobs merged by group_reporting)
  CONFIG.argv                   the QEMU argv qvmm ran for a guest configuration, one per line
  CONFIG-rROUND.disk            the probe guest's "QVMM disk" line for the disk fio ran on

CONFIG is host, default, single or multi; WORKLOAD is randread, randwrite, seqread or seqwrite
(and seqread16m, on the host only: the sequential read with 16 MiB requests).
Medians over the rounds (each round's figure in brackets); ratio = configuration / host.
Prints a markdown report; --markdown FILE and --svg FILE also write the report and the chart."""
import argparse
import glob
import json
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from svgchart import grouped_bars  # noqa: E402

CONFIGS = {
    "host": "host: fio on the file",
    "default": "(1) qvmm default plan",
    "single": "(2) no iothread, 1 queue",
    "multi": "(3) iothread + multiqueue",
}
WORKLOADS = {  # name -> (label, direction, headline metric)
    "randread": ("4 KiB random read", "read", "iops"),
    "randwrite": ("4 KiB random write", "write", "iops"),
    "seqread": ("1 MiB sequential read", "read", "bw"),
    "seqwrite": ("1 MiB sequential write", "write", "bw"),
}
NAME = re.compile(r"(host|default|single|multi)-r(\d+)-(randread|randwrite|seqread|seqwrite|seqread16m)\.json$")
# A host-only reference: the sequential read with 16 MiB requests (what merging could reach).
EXTRA = {"seqread16m": ("1 MiB sequential read job with 16 MiB requests, host only", "read", "bw")}


def load(raw):
    runs = {}  # (config, workload) -> [(round, iops, MiB/s, mean completion latency ms)]
    for path in sorted(glob.glob(os.path.join(raw, "*.json"))):
        m = NAME.search(os.path.basename(path))
        if not m:
            continue
        config, rnd, workload = m.group(1), int(m.group(2)), m.group(3)
        with open(path) as f:
            job = json.load(f)["jobs"][0]
        direction = (WORKLOADS.get(workload) or EXTRA[workload])[1]
        d = job[direction]
        if d["io_bytes"] == 0:
            raise SystemExit(f"guest_io_summary: {path} did no {direction}s")
        runs.setdefault((config, workload), []).append(
            (rnd, d["iops"], d["bw"] / 1024, d["clat_ns"]["mean"] / 1e6))
    if not runs:
        raise SystemExit(f"guest_io_summary: no fio results in {raw}")
    return runs


def median(samples, i):
    return statistics.median(s[i] for s in samples)


def compact(v):
    """A bar label: 3 significant digits, k for thousands."""
    if v >= 10000:
        return f"{v / 1000:.0f}k"
    if v >= 1000:
        return f"{v / 1000:.1f}k"
    return f"{v:.3g}"


def argv_lines(raw, config):
    path = os.path.join(raw, f"{config}.argv")
    if not os.path.exists(path):
        return []
    args = open(path).read().split("\n")
    keep = []
    for i, a in enumerate(args):
        if a in ("-smp", "-accel", "-object", "-blockdev", "-device") and i + 1 < len(args):
            v = args[i + 1]
            if a in ("-smp", "-accel") or "iothread" in v or "virtio-blk" in v or '"driver":"file"' in v:
                keep.append(f"{a} {v}")
    return keep


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("raw")
    ap.add_argument("--machine", default="")
    ap.add_argument("--setup", default="")
    ap.add_argument("--note", default="")
    ap.add_argument("--markdown")
    ap.add_argument("--svg")
    ap.add_argument("--svg-link", help="how the markdown refers to the chart (default: the SVG's file name)")
    a = ap.parse_args()
    runs = load(a.raw)
    configs = [c for c in CONFIGS if any((c, w) in runs for w in WORKLOADS)]
    if "host" not in configs:
        raise SystemExit("guest_io_summary: no host runs to compare with")

    out = ["# Block I/O in the guest vs on the host: fio on one backing file", ""]
    if a.machine:
        out += [a.machine, ""]
    if a.setup:
        out += [a.setup, ""]
    if a.note:
        out += [a.note, ""]
    if a.svg:
        out += [f"![chart]({a.svg_link or os.path.basename(a.svg)})", ""]
    out += ["| workload | configuration | IOPS | MiB/s | mean latency | vs host | each round |",
            "|---|---|---:|---:|---:|---:|---|"]
    headline = {}  # (config, workload) -> median of the workload's headline metric
    for w, (label, _, metric) in WORKLOADS.items():
        host = runs.get(("host", w))
        for c in configs:
            s = runs.get((c, w))
            if not s:
                out.append(f"| {label} | {CONFIGS[c]} | n/a | n/a | n/a | n/a | |")
                continue
            iops, mibs, lat = median(s, 1), median(s, 2), median(s, 3)
            col = 1 if metric == "iops" else 2
            headline[(c, w)] = median(s, col)
            ratio = f"{headline[(c, w)] / median(host, col):.3f}x" if host and c != "host" else ""
            rounds = ", ".join(f"{x[col]:,.0f}" for x in sorted(s))
            out.append(f"| {label} | {CONFIGS[c]} | {iops:,.0f} | {mibs:,.1f} | {lat:.2f} ms | {ratio} | "
                       f"{rounds} {'IOPS' if metric == 'iops' else 'MiB/s'} |")
    for w, (label, _, _) in EXTRA.items():
        s = runs.get(("host", w))
        if s:
            out.append(f"| {label} | {CONFIGS['host']} | {median(s, 1):,.0f} | {median(s, 2):,.1f} | {median(s, 3):.2f} ms | "
                       f"| {', '.join(f'{x[2]:,.0f}' for x in sorted(s))} MiB/s |")
    out.append("")

    if all((c, w) in headline for c in ("single", "multi", "default") for w in WORKLOADS):
        out += ["## Target: iothread + multiqueue never slower than a single queue without iothread", "",
                "(1) and (2) run the same QEMU argv (see below), so their difference is this machine's noise.", "",
                "| workload | (3) / (2) | (1) / (2), same argv | (3) at least (2)? |", "|---|---:|---:|---|"]
        for w, (label, _, _) in WORKLOADS.items():
            r = headline[("multi", w)] / headline[("single", w)]
            noise = headline[("default", w)] / headline[("single", w)]
            verdict = "yes" if r >= 1 else ("no, within the same-argv spread" if r >= min(noise, 1 / noise) else "no")
            out.append(f"| {label} | {r:.3f} | {noise:.3f} | {verdict} |")
        out.append("")

    disks = {}
    for path in sorted(glob.glob(os.path.join(a.raw, "*-r*.disk"))):
        c = os.path.basename(path).split("-r")[0]
        line = open(path).read().strip()
        q = re.search(r"queues=(\d+)", line)
        disks.setdefault(c, set()).add(q.group(1) if q else "?")
    out += ["## What qvmm gave QEMU", "",
            "The argv lines that differ between the configurations (plus the backing file's node and the CPUs), "
            "from the argv qvmm ran; the queues the guest saw are from /sys/block/vda/mq.", ""]
    for c in configs:
        if c == "host":
            continue
        seen = ", ".join(sorted(disks.get(c, {"?"})))
        out += [f"{CONFIGS[c]} (guest saw {seen} queue(s)):", "```"] + argv_lines(a.raw, c) + ["```", ""]

    text = "\n".join(out)
    print(text)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(text)
    if a.svg:
        groups = [f"{WORKLOADS[w][0]} ({'IOPS' if WORKLOADS[w][2] == 'iops' else 'MiB/s'})".replace("sequential", "seq")
                  for w in WORKLOADS]
        series, labels = {}, {}
        for c in configs:
            vals = [headline.get((c, w)) for w in WORKLOADS]
            series[CONFIGS[c]] = vals
            texts = []
            for w, v in zip(WORKLOADS, vals):
                h = headline.get(("host", w))
                if v is None:
                    texts.append("n/a")
                elif c == "host" or not h:
                    texts.append(compact(v))
                else:
                    texts.append(f"{compact(v)}\n{v / h:.2f}x")
            labels[CONFIGS[c]] = texts
        grouped_bars("fio: guest configurations vs the host, same backing file", "", groups, series, a.svg,
                     labels=labels, per_group_scale=True,
                     subtitle="medians; each group on its own scale; guest bars labelled with the ratio to the host")


if __name__ == "__main__":
    main()

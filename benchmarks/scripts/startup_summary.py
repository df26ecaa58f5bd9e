#!/usr/bin/env python3
"""Summarises scripts/bench startup: qvmm-timings JSON lines (one per qvmm run) and the bare
QEMU exec -> greeting times (microseconds, one per line). Prints a markdown report; with
--markdown FILE also writes it there, with --svg FILE a chart."""
import argparse
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from svgchart import grouped_bars  # noqa: E402


def ms(us):
    return f"{us / 1000:.1f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("timings")
    ap.add_argument("bare")
    ap.add_argument("--machine", default="")
    ap.add_argument("--markdown")
    ap.add_argument("--svg", help="a chart of the start paths against the bare exec")
    ap.add_argument("--daemon", help="create round trips through a running daemon, microseconds, one per line")
    a = ap.parse_args()
    runs = []
    for line in open(a.timings):
        # "t0 <micros> qvmm-timings {json}": t0 is when the script launched scripts/qvmm.
        words = line.split(" ", 3)
        if len(words) == 4 and words[0] == "t0" and words[2] == "qvmm-timings":
            r = json.loads(words[3])
            r["t0"] = int(words[1])
            runs.append(r)
    runs = runs[1:] if len(runs) > 2 else runs  # the first run writes the class-data archive
    bare = [int(l) for l in open(a.bare) if l.strip()]
    if not runs or not bare:
        raise SystemExit("startup_summary: no measurements")
    med = lambda xs: statistics.median(xs)
    jvm = med([r["main"] - r["t0"] for r in runs])
    plan = med([r["planned"] - r["main"] for r in runs])
    prep = med([r["prepared"] - r["planned"] for r in runs])
    launch = med([r["greeting"] - r["prepared"] for r in runs])
    total = med([r["greeting"] - r["main"] for r in runs])
    base = med(bare)
    overhead = total - base
    cpu = [r["cpu"] for r in runs if "cpu" in r]
    phases = {}
    for r in runs:
        marks = sorted(list(r.get("phases", {}).items()) + [("main", r["main"])], key=lambda kv: kv[1])
        for (_, prev), (name, t) in zip(marks, marks[1:]):
            phases.setdefault(name, []).append(t - prev)
    daemon = [int(l) for l in open(a.daemon) if l.strip()] if a.daemon else []
    lines = [
        "# qvmm start-up: `qvmm run` to QEMU's QMP greeting, against a bare QEMU exec",
        "",
        a.machine,
        "",
        f"{len(runs)} qvmm runs (after one that writes the JVM's class-data archive) and {len(bare)} bare QEMU starts "
        "of the same argv, alternating in one run; medians. Times are from `qvmm run --timings`.",
        "",
        "| phase | ms |",
        "|---|---|",
        f"| launcher script + JVM start (scripts/qvmm exec -> main) | {ms(jvm)} |",
        f"| read + validate + plan (incl. the cached QEMU capability probe and O_DIRECT probes) | {ms(plan)} |",
        f"| prepare artifacts | {ms(prep)} |",
        f"| QEMU exec -> greeting -> capabilities, in qvmm | {ms(launch)} |",
        f"| **qvmm: main -> greeting** | **{ms(total)}** |",
        f"| bare QEMU: exec -> greeting | {ms(base)} |",
        f"| **qvmm overhead (excluding JVM start)** | **{ms(overhead)}** (target <= 50) {'met' if overhead <= 50_000 else '**missed**'} |",
        "",
    ]
    if cpu:
        lines += [f"CPU time the JVM used from its start to the greeting (all threads, median): {ms(med(cpu))} ms.", ""]
    if phases:
        lines += ["Where `read + validate + plan` goes (medians, ms; each phase ends at its mark; `config` includes "
                  "Picocli's parse of the command line, `plan` the run directory and the argv file):", "",
                  "| " + " | ".join(phases) + " |", "|" + "---|" * len(phases),
                  "| " + " | ".join(ms(med(v)) for v in phases.values()) + " |", ""]
    if daemon:
        d = med(daemon)
        lines += [
            "The warm path: the same VM created through a running `qvmm daemon` (its JVM warm after one VM), "
            f"{len(daemon)} times, from an HTTP request on its socket to the answer (QEMU greeted, capabilities "
            "negotiated, the guest running); medians:",
            "",
            "| | ms |",
            "|---|---|",
            f"| daemon: create request -> Running | {ms(d)} |",
            f"| bare QEMU: exec -> greeting | {ms(base)} |",
            f"| **daemon overhead** | **{ms(d - base)}** (target <= 50) {'met' if d - base <= 50_000 else '**missed**'} |",
            "",
        ]
    if a.svg:
        series = {"qvmm run (cold JVM)": [total / 1000, overhead / 1000]}
        if daemon:
            series["qvmm daemon create (warm JVM)"] = [med(daemon) / 1000, (med(daemon) - base) / 1000]
        series["bare QEMU exec"] = [base / 1000, None]
        grouped_bars("Start to QEMU's QMP greeting (median)", "ms", ["to the greeting", "over a bare QEMU exec (target <= 50)"],
                     series, a.svg, subtitle="qvmm run from main(), the JVM's own start apart; the daemon from an HTTP request")
        lines += [f"![chart]({os.path.basename(a.svg)})", ""]
    text = "\n".join(lines)
    print(text)
    if a.markdown:
        open(a.markdown, "w").write(text + "\n")


if __name__ == "__main__":
    main()

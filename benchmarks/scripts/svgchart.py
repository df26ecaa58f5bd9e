#!/usr/bin/env python3
"""A grouped bar chart as a standalone SVG file, with the Python standard library only.

    from svgchart import grouped_bars
    grouped_bars("fio in the guest", "IOPS", ["randread", "randwrite"],
                 {"host": [52000, 40000], "guest": [3100, 2900]}, "chart.svg",
                 labels={"guest": ["0.06x", "0.07x"]})

One group of bars per entry of `groups`, one bar per series in each group, the series in the
order of the dict (and of the legend). Every bar carries a label above it: the value (three
significant digits) by default, or the text given in `labels` for that series and group ("\n"
starts a second line above the bar; keep each line to about 6 characters, a bar is 30 px). A value
of None (or NaN) draws no bar and the label "n/a".

Scale: by default all groups share one linear axis from 0, with gridlines in `unit`. With
per_group_scale=True each group is scaled to its own largest value and no axis is drawn: for
groups measured in different units (say the unit in each group's name then); the labels carry
the values.

The interface (the positional arguments and the keyword-only ones) is kept stable for the
benchmark scripts that use it; the styling may change.
"""
import math
from xml.sax.saxutils import escape

PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f"]


def grouped_bars(title, unit, groups, series, out_path, *, labels=None, per_group_scale=False, subtitle=None):
    """Writes the chart to out_path.

    title: str; unit: str, the axis unit (ignored with per_group_scale); groups: list[str];
    series: dict[str, list[float | None]], each list as long as groups;
    labels: dict[str, list[str]] | None, text above a series' bars instead of its values;
    per_group_scale: bool, scale each group on its own; subtitle: str | None, a line under the title.
    Raises ValueError when a series' length does not match the groups.
    """
    if not groups or not series:
        raise ValueError("grouped_bars: no groups or no series")
    for name, values in series.items():
        if len(values) != len(groups):
            raise ValueError(f"grouped_bars: series {name!r} has {len(values)} values for {len(groups)} groups")
    for name, texts in (labels or {}).items():
        if name not in series or len(texts) != len(groups):
            raise ValueError(f"grouped_bars: labels {name!r} must name a series and have one text per group")

    def ok(v):
        return v is not None and not (isinstance(v, float) and math.isnan(v)) and v >= 0

    n_series = len(series)
    bar_w, bar_gap, group_gap = 30, 4, 36
    group_w = n_series * bar_w + (n_series - 1) * bar_gap
    left, right, top, plot_h = 70, 20, 80 if subtitle else 60, 260
    width = left + len(groups) * group_w + (len(groups) - 1) * group_gap + right
    width = max(width, 480)
    # Legend columns as wide as the longest name (about 6 px a character at 11 px) allows.
    legend_cols = max(1, min(4, int((width - left - right) // (16 + 6.2 * max(len(n) for n in series)))))
    legend_h = 22 * math.ceil(n_series / legend_cols)
    height = top + plot_h + 60 + legend_h
    base = top + plot_h

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">{escape(title)}</text>']
    if subtitle:
        out.append(f'<text x="{width / 2}" y="42" text-anchor="middle" fill="#555">{escape(subtitle)}</text>')

    all_values = [v for vs in series.values() for v in vs if ok(v)]
    shared_max = _nice(max(all_values)) if all_values else 1.0
    if not per_group_scale:
        for i in range(5):
            v = shared_max * i / 4
            y = base - plot_h * i / 4
            out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ddd"/>')
            out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#555">{escape(_fmt(v))}</text>')
        out.append(f'<text x="16" y="{top + plot_h / 2}" text-anchor="middle" fill="#555" '
                   f'transform="rotate(-90 16 {top + plot_h / 2})">{escape(unit)}</text>')
    out.append(f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" stroke="#333"/>')

    names = list(series)
    for g, group in enumerate(groups):
        x0 = left + g * (group_w + group_gap)
        if per_group_scale:
            vals = [series[n][g] for n in names if ok(series[n][g])]
            scale_max = max(vals) * 1.05 if vals and max(vals) > 0 else 1.0
        else:
            scale_max = shared_max
        for s, name in enumerate(names):
            v = series[name][g]
            x = x0 + s * (bar_w + bar_gap)
            color = PALETTE[s % len(PALETTE)]
            if ok(v):
                h = plot_h * v / scale_max
                out.append(f'<rect x="{x}" y="{base - h:.1f}" width="{bar_w}" height="{h:.1f}" fill="{color}">'
                           f'<title>{escape(name)}, {escape(group)}: {escape(_fmt(v))} {escape(unit)}</title></rect>')
                text = labels[name][g] if labels and name in labels else _fmt(v)
                y = base - h - 4
            else:
                text, y = "n/a", base - 4
            lines = text.split("\n")
            for k, line in enumerate(lines):
                ly_ = y - 11 * (len(lines) - 1 - k)
                out.append(f'<text x="{x + bar_w / 2}" y="{ly_:.1f}" text-anchor="middle" font-size="9">{escape(line)}</text>')
        out.append(f'<text x="{x0 + group_w / 2}" y="{base + 18}" text-anchor="middle">{escape(group)}</text>')

    ly = base + 44
    for s, name in enumerate(names):
        lx = left + (s % legend_cols) * ((width - left - right) / legend_cols)
        y = ly + 22 * (s // legend_cols)
        out.append(f'<rect x="{lx:.1f}" y="{y - 10}" width="12" height="12" fill="{PALETTE[s % len(PALETTE)]}"/>')
        out.append(f'<text x="{lx + 16:.1f}" y="{y}">{escape(name)}</text>')
    out.append("</svg>")
    with open(out_path, "w") as f:
        f.write("\n".join(out) + "\n")


def _nice(v):
    """The smallest of 1, 2, 2.5, 5 x 10^k at or above v (an axis maximum)."""
    if v <= 0:
        return 1.0
    exp = math.floor(math.log10(v))
    for m in (1, 2, 2.5, 5, 10):
        if m * 10 ** exp >= v:
            return m * 10 ** exp
    return 10 ** (exp + 1)


def _fmt(v):
    """Three significant digits, thousands separated: 52,300 / 3.14 / 0.0123."""
    if v == 0:
        return "0"
    if abs(v) >= 100:
        return f"{float(f'{v:.3g}'):,.0f}"
    return f"{v:.3g}"


if __name__ == "__main__":
    import sys
    if len(sys.argv) != 2:
        sys.exit("usage: svgchart.py OUT.svg   (writes a demonstration chart)")
    grouped_bars("demonstration", "IOPS", ["randread", "randwrite"],
                 {"host": [52000, 40000], "guest": [3100, None]}, sys.argv[1],
                 labels={"guest": ["0.06x", "n/a"]}, subtitle="svgchart.py self-test")

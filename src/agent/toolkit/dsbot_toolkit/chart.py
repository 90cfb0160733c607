"""chart.png: problems per column before and after cleaning (two panels, same scale)."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from .quality import LABELS, PROBLEMS, problem_cells  # noqa: E402

COLORS = {"null_tokens": "#8da0cb", "invalid_type": "#fc8d62", "format_violations": "#66c2a5", "range": "#e78ac3",
          "duplicates": "#a6a6a6", "rules": "#ffd92f"}


def _short(name, n=28):
    name = str(name)
    return name if len(name) <= n else name[: n - 1] + "…"


MAX_COLUMNS = 40


def _problem_total(q, name):
    return sum(q["columns"].get(name, {}).get(k, 0) for k in PROBLEMS)


def _rows_note(q):
    dup, rv = q.get("duplicate_rows", 0), sum(q.get("rule_violations", {}).values())
    bits = (["%d duplicate rows" % dup] if dup else []) + (["%d rows breaking a rule" % rv] if rv else [])
    return (" (+ " + ", ".join(bits) + ")") if bits else ""


def draw_chart(path, before, after, title):
    """Writes the before/after chart to `path` (PNG). Wide tables show the columns with the most
    problems before cleaning (at most MAX_COLUMNS), in file order."""
    names = list(before["columns"])

    totals = {"Before cleaning": problem_cells(before), "After cleaning": problem_cells(after)}  # as in the headline
    if len(names) > MAX_COLUMNS:
        ranked = sorted(names, key=lambda n: -(_problem_total(before, n) + _problem_total(after, n)))[:MAX_COLUMNS]
        keep = set(ranked)
        title = "%s\n(the %d of %d columns with the most problems)" % (title, MAX_COLUMNS, len(names))
        names = [n for n in names if n in keep]
    labels = [_short(n) for n in names] + ["(duplicate rows)", "(rule violations)"]
    fig_h = max(3.5, 0.38 * len(labels) + 1.8)
    fig, axes = plt.subplots(1, 2, figsize=(12, fig_h), sharey=True, sharex=True)
    xmax = 1
    for ax, q, label in ((axes[0], before, "Before cleaning"), (axes[1], after, "After cleaning")):
        ys = list(range(len(labels)))[::-1]
        left = [0] * len(labels)
        for k in PROBLEMS:
            vals = [q["columns"].get(n, {}).get(k, 0) for n in names] + [0, 0]
            ax.barh(ys, vals, left=left, color=COLORS[k], label=LABELS[k], height=0.7)
            left = [a + b for a, b in zip(left, vals)]
        dup = q.get("duplicate_rows", 0)
        rv = sum(q.get("rule_violations", {}).values())
        ax.barh([ys[-2]], [dup], color=COLORS["duplicates"], label="duplicate rows", height=0.7)
        ax.barh([ys[-1]], [rv], color=COLORS["rules"], label="rows breaking a rule", height=0.7)
        left[-2], left[-1] = dup, rv
        xmax = max(xmax, max(left))
        for y, total in zip(ys, left):
            if total:
                ax.text(total, y, " %d" % total, va="center", fontsize=8)
        ax.set_title("%s — %d problem cells%s" % (label, totals[label], _rows_note(q)), fontsize=11)
        ax.set_yticks(ys)
        ax.set_yticklabels(labels, fontsize=9)
        ax.grid(axis="x", alpha=0.3)
        ax.set_xlabel("cells (rows for the last two lines)")
    axes[0].set_xlim(0, xmax * 1.18)
    handles, hl = axes[0].get_legend_handles_labels()
    fig.suptitle(title, fontsize=13)
    legend_h = 0.55 / fig_h
    fig.tight_layout(rect=(0, legend_h + 0.02, 1, 1 - 0.35 / fig_h))
    fig.legend(handles, hl, loc="lower center", ncol=3, fontsize=8, frameon=False, bbox_to_anchor=(0.5, 0.0))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path

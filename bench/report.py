"""The one table `make bench` prints: each figure beside its reference and the ratio, with the
issue's target (reported, never asserted). Also returned as Markdown for the README."""

from __future__ import annotations

import os
from typing import Any

from rich.console import Console
from rich.table import Table

COLUMNS = ("engine", "measure", "measured", "reference (same run)", "ratio", "target", "met")


def _http(found: dict[str, Any]) -> str:
    text = f"{found['rps']:,.0f} req/s · p50 {found['p50_ms']} ms · p99 {found['p99_ms']} ms"
    bad = found["requests"] - found["ok"] + found["errors"]
    return text + (f" · {bad:,} not 2xx" if bad else "")


def _met(ok: bool) -> str:
    return "yes" if ok else "NO"


def rows(results: dict[str, dict], sizes: Any) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for engine, found in results.items():
        bare = found["bare"]
        runs = bare.get("runs_rps")
        out.append(
            (
                engine,
                "GET /bare (bare Litestar, same uvicorn)",
                _http(bare)
                + (
                    " (the median of its runs before and after each read: "
                    + ", ".join(f"{rps:,.0f}" for rps in runs)
                    + " req/s)"
                    if runs
                    else ""
                ),
                "",
                "",
                "",
                "",
            )
        )
        for key, label, target in (
            ("catalog", "GET /api/v1/catalog?region_code=510903", 0.40),
            ("match", "GET /api/v1/match", 0.20),
            ("page", "GET /menu (HTML page)", None),
        ):
            # Held against the bare endpoint measured just before and after it (run.py).
            reference = found[key].get("bare_rps", bare["rps"])
            ratio = found[key]["rps"] / reference if reference else 0.0
            if key == "match":
                label += (
                    f" ({sizes.providers:,} providers, {sizes.caregivers:,} caregivers; "
                    f"~{found['match_pool']} in reach of an elder)"
                )
            out.append(
                (
                    engine,
                    label,
                    _http(found[key]),
                    f"bare {reference:,.0f} req/s (before and after)",
                    f"{ratio:.1%}",
                    f"≥ {target:.0%} of bare" if target else "",
                    _met(ratio >= target) if target else "",
                )
            )
        book = found["book"]
        p99 = book["all"]["p99_ms"] or 0.0
        achieved = book["all"]["rps"]
        failed = book["all"]["requests"] - book["all"]["ok"] + book["all"]["errors"]
        text = (
            f"{achieved:,.0f} req/s of {book['target_rps']} · p50 {book['all']['p50_ms']} ms · "
            f"p99 {p99} ms (book p99 {book['book']['p99_ms']}, accept p99 "
            f"{book['accept']['p99_ms']})"
        )
        if failed or book["dropped"] or book.get("unfinished"):
            text += (
                f" · {failed} failed, {book['dropped']} not sent (64 in flight), "
                f"{book.get('unfinished', 0)} unanswered after 15 s"
            )
        out.append(
            (
                engine,
                "POST /api/v1/bookings + /accept at a fixed rate",
                text,
                "p99 50 ms",
                f"{p99 / 50:.2f}×",
                "p99 ≤ 50 ms at 200 req/s",
                _met(p99 <= 50 and achieved >= 0.95 * book["target_rps"] and not failed),
            )
        )
        phases = ", ".join(
            f"{key} {found[key]['rss_peak_mb']:.0f}"
            for key in ("catalog", "page", "match", "book")
            if "rss_peak_mb" in found[key]
        )
        out.append(
            (
                engine,
                "server RSS, peak under the loads above",
                f"{found['rss_peak_mb']} MB (by load, MB: {phases}; after: {found['rss_end_mb']})",
                "200 MB",
                f"{found['rss_peak_mb'] / 200:.2f}×",
                "≤ 200 MB",
                _met(found["rss_peak_mb"] <= 200),
            )
        )
        for sweep in found["sweeps"]:
            ratio = sweep["seconds"] / sweep["ref_seconds"] if sweep["ref_seconds"] else 0.0
            note = f" — {sweep['note']}" if sweep["note"] else ""
            out.append(
                (
                    engine,
                    f"sweep {sweep['name']}{note}",
                    f"{sweep['seconds']:.2f} s · {sweep['rows']:,} rows",
                    f"plain SQL {sweep['ref_seconds']:.2f} s · {sweep['ref_rows']:,} rows",
                    f"{ratio:.1f}×",
                    "≤ 2×",
                    _met(ratio <= 2),
                )
            )
        out.append(
            (
                engine,
                "bench seed (demo city + set-based inserts)",
                f"{found['seed_seconds']:.0f} s",
                "",
                "",
                "",
                "",
            )
        )
    return out


def render(
    results: dict[str, dict],
    sizes: Any,
    scale: float,
    seconds: float,
    load: tuple[float, float],
) -> str:
    """Print the table (rich) and return it as Markdown."""
    title = (
        f"eldercare bench — {sizes.elders:,} elders, {sizes.entitlements:,} allowances, "
        f"{sizes.series:,} series, {sizes.providers:,} providers, {sizes.caregivers:,} "
        f"caregivers, {sizes.visits:,} past visits (BENCH_SCALE={scale:g}); "
        f"whole run {seconds / 60:.1f} min on "
        f"{os.cpu_count()} cores, load average {load[0]:.1f} before and {load[1]:.1f} after"
    )
    table = Table(title=title, show_lines=False)
    for column in COLUMNS:
        table.add_column(column, overflow="fold")
    found = rows(results, sizes)
    for row in found:
        table.add_row(*row)
    Console(width=200).print(table)
    lines = [f"**{title}**", "", "| " + " | ".join(COLUMNS) + " |"]
    lines.append("|" + "---|" * len(COLUMNS))
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in found]
    return "\n".join(lines) + "\n"

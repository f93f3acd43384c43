"""The dashboard's charts as server-rendered SVG (pygal), each with its table of numbers, a
one-sentence text alternative and a CSV download.

pygal's JavaScript is off: no tooltip script is linked (``js=[]``) and the config script it
still writes into ``<defs>`` is taken out, with its comments, by an XML filter. The SVG gets
``role="img"`` and an ``aria-label``; the page shows the same numbers in a table. Colours
are the site's dark palette: every one is at least 4.5:1 on white, text is #1a1a1a.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pygal
from markupsafe import Markup
from pygal.graph.horizontal import HorizontalGraph
from pygal.style import Style

from eldercare.errors import N_
from eldercare.reports import domain
from eldercare.reports.service import Dashboard, MonthSeries, Named
from eldercare.web.i18n import translator

# Dark blue, dark amber, dark green, purple, dark red, teal, grey, plum: ≥ 4.5:1 on white.
PALETTE = ("#0b3d91", "#8a4b00", "#0b5e2a", "#4b2a85", "#a4000f", "#00606b", "#4d5358", "#7a1f5c")
FONT = 'system-ui, "Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", sans-serif'
LABEL_SIZE = 18
MAX_SERIES = len(PALETTE)  # more services or districts than colours: the rest are "Others"

CHARTS = (
    "applications-status",
    "applications-age",
    "online",
    "visits-service",
    "visits-district",
    "providers",
)
DOWNLOADS = (*CHARTS, "care-alerts")  # each is GET /bureau/dashboard/{name}.csv

TITLES = {
    "applications-status": N_("Applications by status"),
    "applications-age": N_("Applications by age"),
    "online": N_("Made online (网办率)"),
    "visits-service": N_("Visits done by service, per month"),
    "visits-district": N_("Visits done by district, per month"),
    "providers": N_("Average rating of each care provider"),
    "care-alerts": N_("Elders living alone with no visit in 30 days"),
}
KINDS = {
    "applications": N_("Allowance applications"),
    "bookings": N_("Service bookings"),
    "all": N_("Both together"),
}
ONLINE = N_("Made online")
OFFLINE = N_("Made by staff, by phone or at a counter")
NOTHING = N_("Nothing in this period")


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[Any]]


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    summary: str  # the text alternative: what the chart shows, in words
    svg: Markup
    table: Table


class Words:
    """The reader's language: ``_`` translates, ``join`` writes a list as a sentence."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self._ = translator(locale)

    def join(self, parts: list[str]) -> str:
        if not parts:
            return self._(NOTHING)
        return ("; " if self.locale == "en" else "；").join(parts)


def _style() -> Style:
    return Style(
        background="#ffffff",
        plot_background="#ffffff",
        foreground="#1a1a1a",
        foreground_strong="#1a1a1a",
        foreground_subtle="#454545",
        colors=PALETTE,
        font_family=FONT,
        label_font_size=LABEL_SIZE,
        major_label_font_size=LABEL_SIZE,
        legend_font_size=18,
        value_font_size=18,
        title_font_size=20,
        no_data_font_size=24,
        opacity="1",
        opacity_hover="1",
        transition="0ms",
        guide_stroke_color="#767676",
        major_guide_stroke_color="#1a1a1a",
    )


def _accessible(label: str, title: str) -> Callable[[Any], Any]:
    """An XML filter: no script and no comments in the SVG; an image role and its label."""

    def apply(root: Any) -> Any:
        for parent in list(root.iter()):
            for child in list(parent):
                if callable(child.tag) or str(child.tag).endswith("script"):
                    parent.remove(child)
        root.set("role", "img")
        root.set("aria-label", label)
        for child in root:
            if str(child.tag).endswith("title"):
                child.text = title
                break
        return root

    return apply


def _ticks(largest: float) -> list[int]:
    """Whole-number steps from 0 for counts (pygal would show 0.5 people)."""
    step = max(1, math.ceil(largest / 5))
    return list(range(0, int(largest) + step + 1, step)) if largest else [0, 1]


def _label_room(labels: list[str]) -> int | None:
    """The left margin that long labels need on a horizontal chart: pygal reckons every
    character 0.6 of the font size wide, but a Chinese one is a whole font size."""
    if not labels:
        return None
    width = max(sum(1.0 if ord(c) > 0x2E7F else 0.6 for c in label) for label in labels)
    estimate = max(len(label) for label in labels) * 0.6
    return 20 + max(0, round((width - estimate) * LABEL_SIZE))


def _draw(
    kind: type,
    w: Words,
    title: str,
    summary: str,
    x_labels: list[str],
    series: list[tuple[str, list[Any]]],
    **config: Any,
) -> Markup:
    if not any(values for _name, values in series):
        config.pop("y_labels", None)  # pygal fails to place labels on a chart with no data
    longest = config.pop("longest_label", 0)
    if longest:  # the table below the chart has the whole name
        x_labels = [x if len(x) <= longest else x[: longest - 1] + "…" for x in x_labels]
    if issubclass(kind, HorizontalGraph):  # pygal draws the first row at the bottom
        x_labels = x_labels[::-1]
        series = [(name, values[::-1]) for name, values in series]
        config["margin_left"] = _label_room(x_labels)
    chart = kind(
        style=_style(),
        js=[],
        disable_xml_declaration=True,
        width=800,
        legend_at_bottom=True,
        truncate_label=-1,
        truncate_legend=-1,
        no_data_text=w._(NOTHING),
        **config,
    )
    chart.add_xml_filter(_accessible(f"{title}. {summary}", title))
    chart.x_labels = x_labels
    for name, values in series:
        chart.add(name, values)
    return Markup(chart.render(is_unicode=True))  # etree has escaped every text in it


# --------------------------------------------------------------------------- each chart


def _counted(name: str, dash: Dashboard, w: Words, draw: bool) -> Chart:
    _ = w._
    items = dash.by_status if name == "applications-status" else dash.by_age
    title = _(TITLES[name])
    header = _("Status") if name == "applications-status" else _("Age")
    table = Table([header, _("Applications")], [[_(i.label), i.count] for i in items])
    summary = w.join([_("{name}: {count}", name=_(i.label), count=i.count) for i in items])
    svg = Markup("")
    if draw:
        svg = _draw(
            pygal.HorizontalBar,
            w,
            title,
            summary,
            [_(i.label) for i in items],
            [(_("Applications"), [i.count for i in items])],
            show_legend=False,
            y_labels=_ticks(max((i.count for i in items), default=0)),
            height=100 + 56 * len(items),
        )
    return Chart(name, title, summary, svg, table)


def _online(dash: Dashboard, w: Words, draw: bool) -> Chart:
    _ = w._
    title = _(TITLES["online"])
    table = Table(
        [_("What"), _(ONLINE), _(OFFLINE), _("Share made online")],
        [[_(KINDS[s.kind]), s.online, s.offline, domain.percent_text(s.rate)] for s in dash.online],
    )
    summary = w.join(
        [
            _(
                "{what}: {percent} made online ({online} of {total})",
                what=_(KINDS[s.kind]),
                percent=domain.percent_text(s.rate),
                online=s.online,
                total=s.total,
            )
            for s in dash.online
        ]
    )
    shown = [s for s in dash.online if s.kind != "all"]
    svg = Markup("")
    if draw:
        svg = _draw(
            pygal.HorizontalStackedBar,
            w,
            title,
            summary,
            [_(KINDS[s.kind]) for s in shown],
            [(_(ONLINE), [s.online for s in shown]), (_(OFFLINE), [s.offline for s in shown])],
            y_labels=_ticks(max((s.total for s in shown), default=0)),
            legend_at_bottom_columns=1,
            height=320,
        )
    return Chart("online", title, summary, svg, table)


def _top(series: MonthSeries, w: Words) -> list[tuple[Named, list[int]]]:
    """The biggest series; the rest summed as "Others", so each keeps its own colour."""
    if len(series.series) <= MAX_SERIES:
        return series.series
    kept = series.series[: MAX_SERIES - 1]
    rest = [counts for _, counts in series.series[MAX_SERIES - 1 :]]
    label = w._("Others")
    return [*kept, (Named("", label, label), [sum(c) for c in zip(*rest, strict=True)])]


def _monthly(name: str, dash: Dashboard, w: Words, draw: bool) -> Chart:
    _, locale = w._, w.locale
    series = dash.visits_by_service if name == "visits-service" else dash.visits_by_district
    title = _(TITLES[name])
    months = [domain.month_text(m) for m in series.months]
    what = _("Service") if name == "visits-service" else _("District")
    table = Table(
        [what, *months, _("Total")],
        [[n.name(locale), *counts, sum(counts)] for n, counts in series.series],
    )
    detail = w.join(
        [_("{name}: {count}", name=n.name(locale), count=sum(c)) for n, c in series.series]
    )
    summary = _("{count} visits done in the period. {detail}", count=series.total, detail=detail)
    svg = Markup("")
    if draw:
        totals = [sum(column) for column in zip(*(c for _n, c in series.series), strict=True)]
        svg = _draw(
            pygal.StackedBar,
            w,
            title,
            summary,
            months,
            [(n.name(locale), counts) for n, counts in _top(series, w)],
            y_labels=_ticks(max(totals, default=0)),
            height=460,
        )
    return Chart(name, title, summary, svg, table)


def _providers(dash: Dashboard, w: Words, draw: bool) -> Chart:
    _ = w._
    title = _(TITLES["providers"])
    headers = [_("Care provider"), _("Average stars"), _("Ratings"), _("Visits done")]
    table = Table(
        [*headers, _("Missed visits"), _("Complaints filed")],
        [
            [
                p.name,
                domain.one_decimal(p.average_stars),
                p.ratings,
                p.visits,
                p.missed,
                p.complaints,
            ]
            for p in dash.providers
        ],
    )
    summary = w.join(
        [
            _(
                "{name}: {stars} stars from {count} ratings",
                name=p.name,
                stars=domain.one_decimal(p.average_stars),
                count=p.ratings,
            )
            for p in dash.providers
        ]
    )
    svg = Markup("")
    if draw:
        averages = [p.average_stars for p in dash.providers]
        stars = [float(a) if a is not None else None for a in averages]
        svg = _draw(
            pygal.HorizontalBar,
            w,
            title,
            summary,
            [p.name for p in dash.providers],
            [(_("Average stars"), stars)] if dash.providers else [],
            show_legend=False,
            range=(0, 5),
            y_labels=[0, 1, 2, 3, 4, 5],
            longest_label=12,
            height=100 + 56 * max(len(dash.providers), 1),
        )
    return Chart("providers", title, summary, svg, table)


def _care_alerts(dash: Dashboard, w: Words) -> Table:
    _ = w._
    return Table(
        [_("Elder"), _("District"), _("Last visit")],
        [
            [
                a.name,
                a.district.name(w.locale),
                a.last_visit.isoformat() if a.last_visit else _("Never"),
            ]
            for a in dash.care_alerts
        ],
    )


def _build(name: str, dash: Dashboard, w: Words, draw: bool) -> Chart:
    if name in ("applications-status", "applications-age"):
        return _counted(name, dash, w, draw)
    if name == "online":
        return _online(dash, w, draw)
    if name in ("visits-service", "visits-district"):
        return _monthly(name, dash, w, draw)
    return _providers(dash, w, draw)


def charts(dash: Dashboard, locale: str) -> list[Chart]:
    w = Words(locale)
    return [_build(name, dash, w, draw=True) for name in CHARTS]


def table(name: str, dash: Dashboard, locale: str) -> Table:
    """The numbers behind one download (``name`` is one of DOWNLOADS)."""
    w = Words(locale)
    if name == "care-alerts":
        return _care_alerts(dash, w)
    return _build(name, dash, w, draw=False).table


def csv_text(data: Table) -> str:
    """UTF-8 with a BOM, so spreadsheet programs read the Chinese."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(data.headers)
    writer.writerows(data.rows)
    return "\ufeff" + out.getvalue()

"""Read paths for master data: explicit columns, no query per row."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, OuterRef, Q, Subquery

from core.weeks import week_label
from planning import clock
from planning.models import Channel, Department, Division, FiscalWeek, Location, SalesHistory, StockPosition

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


@dataclass(frozen=True, slots=True)
class DepartmentSummary:
    id: int
    code: str
    name: str
    division: str
    classes: int
    style_colors: int
    is_editable: bool


def department_summaries(user: AbstractBaseUser | AnonymousUser) -> list[DepartmentSummary]:
    """Departments the user can see, with class and style-color counts, in one query."""
    editable = set(Department.objects.editable_by(user).values_list("id", flat=True))
    rows = (
        Department.objects.visible_to(user)
        .annotate(
            class_count=Count("classes", distinct=True),
            style_color_count=Count("classes__subclasses__styles__colors", distinct=True),
        )
        .values_list("id", "code", "name", "division__name", "class_count", "style_color_count")
        .order_by("division__code", "code")
    )
    return [
        DepartmentSummary(row[0], row[1], row[2], row[3], row[4], row[5], row[0] in editable) for row in rows
    ]


def hierarchy_tree() -> list[dict[str, Any]]:
    """Division > department > class with style-color counts, built from two queries."""
    class_rows = (
        Division.objects.values_list(
            "code",
            "name",
            "departments__code",
            "departments__name",
            "departments__classes__code",
            "departments__classes__name",
        )
        .annotate(style_colors=Count("departments__classes__subclasses__styles__colors"))
        .order_by("code", "departments__code", "departments__classes__code")
    )
    divisions: dict[str, dict[str, Any]] = {}
    for div_code, div_name, dept_code, dept_name, class_code, class_name, count in class_rows:
        division = divisions.setdefault(div_code, {"code": div_code, "name": div_name, "departments": {}})
        if dept_code is None:
            continue
        department = division["departments"].setdefault(
            dept_code, {"code": dept_code, "name": dept_name, "classes": [], "style_colors": 0}
        )
        if class_code is not None:
            department["classes"].append({"code": class_code, "name": class_name, "style_colors": count})
            department["style_colors"] += count
    return [
        {**division, "departments": list(division["departments"].values())} for division in divisions.values()
    ]


def location_tree() -> dict[str, Any]:
    """Channels > regions > locations, and the distribution centres, from one query each."""
    locations = list(Location.objects.select_related("region", "channel", "supplied_by").order_by("code"))
    by_region: dict[int | None, list[Location]] = defaultdict(list)
    for location in locations:
        if location.kind != Location.Kind.DC:
            by_region[location.region_id].append(location)
    channels = []
    for channel in Channel.objects.prefetch_related("regions").order_by("code"):
        regions = [
            {"region": region, "locations": by_region.get(region.id, [])} for region in channel.regions.all()
        ]
        direct = [loc for loc in by_region.get(None, []) if loc.channel_id == channel.id]
        channels.append({"channel": channel, "regions": regions, "direct": direct})
    return {"channels": channels, "dcs": [loc for loc in locations if loc.kind == Location.Kind.DC]}


def company_figures() -> dict[str, Any]:
    """Counts and the span of history loaded, for the home page.

    No SUM over millions of history rows on a page that loads at every sign-in: two
    single-ended lookups, each walking the week index from one end (SQLite cannot do
    that when MIN and MAX share a query).
    """
    week_ids = SalesHistory.objects.values_list("fiscal_week_id", flat=True)
    first = week_ids.order_by("fiscal_week_id").first()
    last = week_ids.order_by("-fiscal_week_id").first()
    history = {"first_week": _week_label(first), "last_week": _week_label(last)}
    locations = Location.objects.aggregate(
        stores=Count("id", filter=Q(kind=Location.Kind.STORE)),
        dcs=Count("id", filter=Q(kind=Location.Kind.DC)),
        ecommerce=Count("id", filter=Q(kind=Location.Kind.ECOMMERCE)),
    )
    return {**history, **locations}


def _week_label(week_id: int | None) -> str | None:
    """ "FY2024 W01" from the key 202401, as FiscalWeek prints it, without a query."""
    return None if week_id is None else week_label(week_id)


def stock_as_of(week_id: int, *, location_ids: list[int] | None = None) -> dict[tuple[int, int], int]:
    """On hand per (sku, location) at the end of a week: the latest stock row at or before it.

    Stock rows are sparse (written when the position changed), so the position carries forward.
    One query: a correlated subquery finds each pair's latest week (the unique index serves it).
    """
    latest_week = (
        StockPosition.objects.filter(
            sku_id=OuterRef("sku_id"), location_id=OuterRef("location_id"), fiscal_week_id__lte=week_id
        )
        .order_by("-fiscal_week_id")
        .values("fiscal_week_id")[:1]
    )
    rows = StockPosition.objects.filter(fiscal_week_id__lte=week_id)
    if location_ids is not None:
        rows = rows.filter(location_id__in=location_ids)
    rows = rows.filter(fiscal_week_id=Subquery(latest_week))
    return {
        (sku, location): on_hand
        for sku, location, on_hand in rows.values_list("sku_id", "location_id", "on_hand")
    }


def fiscal_week_ids(year: int) -> list[int]:
    return list(FiscalWeek.objects.filter(year=year).values_list("id", flat=True))


def current_fiscal_year() -> int:
    """The fiscal year of today (the clock's), or the calendar year outside the fiscal weeks."""
    today = clock.today()
    week = FiscalWeek.objects.filter(start_date__lte=today, end_date__gte=today).only("year").first()
    return week.year if week else today.year

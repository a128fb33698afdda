"""Navigation that fits the signed-in user's roles."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from planning.roles import ADMIN, MANAGER, user_roles


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_roles": []}
    roles = user_roles(user)
    items = [
        ("Home", reverse("home")),
        ("Plans", reverse("planning:plans")),
        ("Targets", reverse("planning:targets")),
        ("Forecasts", reverse("forecasting:runs")),
        ("Open to buy", reverse("otb:otb")),
        ("Report", reverse("reports:report")),
        ("Replenishment", reverse("replenishment:worksheet")),
        ("Allocation", reverse("allocation:runs")),
        *([("Approvals", reverse("otb:approvals"))] if roles & {MANAGER, ADMIN} or user.is_superuser else []),
        ("Calendar", reverse("planning:calendar")),
        ("Merchandise", reverse("planning:hierarchy")),
        ("Locations", reverse("planning:locations")),
    ]
    if ADMIN in roles or user.is_staff:
        items.append(("Admin", reverse("admin:index")))
    current = request.path
    # The most specific item containing the page is the active one (/otb/approvals/, not /otb/).
    matching = [url for _, url in items if current == url or (url != "/" and current.startswith(url))]
    active = max(matching, key=len, default=None)
    return {
        "nav_items": [{"label": label, "url": url, "active": url == active} for label, url in items],
        # A superuser holds every role; showing four badges would only confuse.
        "user_roles": [ADMIN] if user.is_superuser else sorted(roles),
    }

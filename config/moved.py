"""Addresses that moved when replenishment and the weekly report left /otb/: old links, bookmarks
and mails keep working through a permanent redirect that keeps the method (308) and the query."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.urls import URLPattern, re_path


class _PermanentRedirect(HttpResponsePermanentRedirect):
    status_code = 308  # unlike 301, a POST stays a POST


def moved(old_prefix: str, new_prefix: str) -> URLPattern:
    """`old_prefix`/anything redirects to `new_prefix`/anything (prefixes without slashes)."""

    def redirect(request: HttpRequest, rest: str = "") -> HttpResponsePermanentRedirect:
        query = request.META.get("QUERY_STRING", "")
        return _PermanentRedirect(f"/{new_prefix}/{rest}" + (f"?{query}" if query else ""))

    return re_path(rf"^{old_prefix}/(?P<rest>.*)$", redirect)

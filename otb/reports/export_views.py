"""Exports of the weekly report (being built)."""

from django.http import HttpRequest, HttpResponse


def _building(request: HttpRequest) -> HttpResponse:
    return HttpResponse("The weekly report's exports are being built.", status=503)


report_pdf = report_xlsx = report_csv = report_subscription = _building

"""The executive weekly report page (being built)."""

from django.http import HttpRequest, HttpResponse


def report_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("The weekly report is being built.", status=503)

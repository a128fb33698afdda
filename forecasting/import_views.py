"""Sales history upload page (being written)."""

from django.http import HttpRequest, HttpResponse


def sales_import_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=404)

"""Middleware the pages share.

``DomainErrorMiddleware`` translates the services' domain errors into HTTP answers, in one
place: NotFound is a 404 page and NotAllowed a 403 through Django's own handlers (so their
templates apply); Conflict answers 409 and Invalid 400 with the message as plain text.

``HtmxVaryMiddleware`` marks every page answer ``Vary: HX-Request``: a view may render a
fragment to htmx and the whole page otherwise, so no cache may give one for the other (a view
added later cannot forget it).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from studyapp.core.errors import Conflict, DomainError, NotAllowed, NotFound
from studyapp.core.htmx import htmx_vary


def domain_error_response(error: DomainError) -> HttpResponse:
    if isinstance(error, NotFound):
        raise Http404(error.message) from error
    if isinstance(error, NotAllowed):
        raise PermissionDenied(error.message) from error
    status = 409 if isinstance(error, Conflict) else 400  # Invalid, or a DomainError as such
    return HttpResponse(error.message, status=status, content_type="text/plain; charset=utf-8")


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DomainError):
            return domain_error_response(exception)
        return None


class HtmxVaryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            htmx_vary(response)
        return response

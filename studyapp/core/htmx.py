"""htmx helpers for views: the typed request, a redirect htmx follows, and caching by fragment.

A view that answers an htmx request with a fragment and a plain request with the whole page
must say so to caches: :func:`htmx_vary` adds ``Vary: HX-Request`` (the core middleware does
for every HTML answer).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

HX_REQUEST = "HX-Request"


class HtmxHttpRequest(HttpRequest):
    """A request that went through django-htmx's middleware (``request.htmx``)."""

    htmx: HtmxDetails


def htmx_redirect(url: str, *, response: HttpResponse | None = None) -> HttpResponse:
    """Send an htmx request to ``url`` as a full page load (``HX-Redirect``).

    With ``response``, the header is added to it (a fragment shown if htmx does not follow);
    without, an empty 200 answer carries it.
    """
    if response is None:
        return HttpResponseClientRedirect(url)
    response["HX-Redirect"] = url
    return response


def htmx_vary[R: HttpResponse](response: R) -> R:
    patch_vary_headers(response, (HX_REQUEST,))
    return response

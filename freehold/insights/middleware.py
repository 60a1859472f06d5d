"""Sets the visit's cookies, and notes landings on pages rendered by the server.

Placed after the market middleware (consent depends on the market's country) and therefore
after the page cache: a cache hit never reaches it, so cached pages stay the same bytes for
everyone and set no cookie. Their landings are noted by the beacon (`views.collect`) instead.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from freehold.insights import attribution, events

SKIPPED_PREFIXES = ("/dashboard", "/vendor/", "/admin", "/api/", "/static/", "/media/")


class VisitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(SKIPPED_PREFIXES):
            return self.get_response(request)
        if request.method == "GET" and _looks_like_landing(request) and not events.is_bot(request):
            # A landing on a page the server renders (campaign parameters or another
            # site's link): remembered even without JavaScript. Cheap test first.
            events.note_landing(
                request,
                url=request.get_full_path(),
                referrer=request.headers.get("Referer", ""),
            )
        response = self.get_response(request)
        events.apply_cookies(request, response)
        return response


def _looks_like_landing(request: HttpRequest) -> bool:
    query = request.META.get("QUERY_STRING", "")
    if query and any(
        name in query for name in (*attribution.UTM_PARAMETERS, *attribution.CLICK_IDS)
    ):
        return True
    referrer = request.headers.get("Referer", "")
    return bool(referrer) and attribution.is_external(referrer, request.get_host())

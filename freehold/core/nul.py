"""Refuse NUL characters in what a client sends, before any view sees them.

PostgreSQL text cannot hold U+0000: a search, a form field or an API filter containing one
fails deep in the database with a 500 (the API's schemathesis run found it). SQLite stores it,
which is no better. No legitimate input needs it, so the request is answered 400 up front: as
the API's error shape under /api/, as a plain page elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

MESSAGE = "The request contains a NUL character, which no field accepts."
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path:
        return True
    query = request.META.get("QUERY_STRING", "")
    if "%00" in query or "\x00" in query:
        return True
    if request.method not in {"POST", "PUT", "PATCH"}:
        return False
    content_type = request.content_type or ""
    if content_type == "application/json":
        body = request.body
        return b"\x00" in body or b"\\u0000" in body
    if content_type in FORM_TYPES:
        # Field values only: uploaded files may hold any bytes.
        return any("\x00" in value for _, values in request.POST.lists() for value in values)
    return False


class RefuseNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if has_nul(request):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"error": {"code": "invalid", "message": MESSAGE, "field": None}}, status=400
                )
            return HttpResponseBadRequest(MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

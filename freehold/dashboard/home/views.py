from django.http import HttpRequest, HttpResponse

from freehold.dashboard.access import staff_required
from freehold.dashboard.pages import render_page


@staff_required("home")
def index(request: HttpRequest) -> HttpResponse:
    return render_page(request, "dashboard/home/index.html", {"title": "Home", "section": "home"})


@staff_required("settings")
def audit(request: HttpRequest) -> HttpResponse:
    return render_page(
        request, "dashboard/home/index.html", {"title": "Audit log", "section": "audit"}
    )

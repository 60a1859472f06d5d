from django.http import HttpRequest, HttpResponse

from freehold.dashboard.access import staff_required
from freehold.dashboard.pages import render_page


@staff_required("customers")
def index(request: HttpRequest) -> HttpResponse:
    return render_page(
        request, "dashboard/customers/index.html", {"title": "Customers", "section": "customers"}
    )

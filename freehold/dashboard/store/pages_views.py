"""/dashboard/settings/pages/: content pages (About, Shipping, Contact…) and the home page's
featured collections, for staff with the "settings" permission, instead of the admin.

Thin views: the form checks the input, `pages_services` writes, audits and (through the
storefront's cache signals) renews every cached page.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from freehold.catalog.models import Collection
from freehold.core.audit import Actor
from freehold.core.errors import FreeholdError
from freehold.dashboard.access import staff_required
from freehold.dashboard.pages import paginate, render_page
from freehold.dashboard.store import pages_services
from freehold.storefront.models import FeaturedCollection, Page

SECTION = "settings"


class PageForm(forms.ModelForm):
    class Meta:
        model = Page
        fields = list(pages_services.PAGE_FIELDS)
        labels = {
            "body_html": "Body (HTML)",
            "is_published": "Published in the store",
            "seo_title": "SEO title",
            "seo_description": "SEO description",
        }
        help_texts = {
            "handle": "The end of the address /pages/…",
            "body_html": "Scripts, styles and event attributes are removed when saved.",
        }
        widgets = {
            "body_html": forms.Textarea(attrs={"rows": 14}),
            "seo_description": forms.Textarea(attrs={"rows": 2}),
        }

    def validate_unique(self) -> None:
        """The service checks the handle is free (and names it), not the form."""


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user)


def _page(request: HttpRequest, template: str, title: str, status: int = 200, **context: object):
    return render_page(
        request,
        f"dashboard/store/pages/{template}",
        {"title": title, "section": SECTION, **context},
        status=status,
    )


@staff_required(SECTION)
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    page = paginate(request, Page.objects.order_by("title", "pk"))
    featured = list(
        FeaturedCollection.objects.filter(settings_id=1)
        .select_related("collection")
        .order_by("position", "id")
    )
    featured_ids = {item.collection_id for item in featured}
    available = [
        collection
        for collection in Collection.objects.only("pk", "title").order_by("title", "pk")
        if collection.pk not in featured_ids
    ]
    return _page(
        request,
        "index.html",
        "Pages",
        page=page,
        featured=featured,
        available=available,
    )


def _edit(request: HttpRequest, page: Page | None) -> HttpResponse:
    initial = None if page else {"template": Page.Template.CONTENT, "is_published": True}
    form = PageForm(request.POST or None, instance=page, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = pages_services.page_save(
                # The form has copied its values onto `page`: the service compares a fresh row.
                page=Page.objects.get(pk=page.pk) if page else None,
                actor=_actor(request),
                **{name: form.cleaned_data[name] for name in pages_services.PAGE_FIELDS},
            )
        except FreeholdError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, f"Page “{saved.title}” saved.")
            return HttpResponseRedirect(reverse("dashboard:settings-page", args=[saved.pk]))
    if page is not None:
        page.refresh_from_db()  # a refused form must not show its values as saved
    return _page(
        request,
        "edit.html",
        f"Edit page “{page.title}”" if page else "New page",
        status=400 if form.errors else 200,
        form=form,
        page=page,
    )


@staff_required(SECTION)
@require_http_methods(["GET", "HEAD", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    return _edit(request, None)


@staff_required(SECTION)
@require_http_methods(["GET", "HEAD", "POST"])
def edit(request: HttpRequest, page_id: int) -> HttpResponse:
    return _edit(request, get_object_or_404(Page, pk=page_id))


@staff_required(SECTION)
@require_POST
def delete(request: HttpRequest, page_id: int) -> HttpResponse:
    page = get_object_or_404(Page, pk=page_id)
    pages_services.page_delete(page=page, actor=_actor(request))
    messages.success(request, f"Page “{page.title}” deleted.")
    return HttpResponseRedirect(reverse("dashboard:settings-pages"))


@staff_required(SECTION)
@require_POST
def featured(request: HttpRequest) -> HttpResponse:
    """Add (`add`), remove (`remove`) or move (`up`/`down`) one featured collection."""
    current = list(
        FeaturedCollection.objects.filter(settings_id=1)
        .order_by("position", "id")
        .values_list("collection_id", flat=True)
    )
    action = request.POST.get("action", "")
    try:
        collection_id = int(request.POST.get("collection_id", ""))
    except ValueError:
        collection_id = 0
    ids = list(current)
    if action == "add" and collection_id not in ids:
        ids.append(collection_id)
    elif action == "remove" and collection_id in ids:
        ids.remove(collection_id)
    elif action in ("up", "down") and collection_id in ids:
        index = ids.index(collection_id)
        other = index - 1 if action == "up" else index + 1
        if 0 <= other < len(ids):
            ids[index], ids[other] = ids[other], ids[index]
    target = reverse("dashboard:settings-pages") + "#featured"
    if ids == current:
        return HttpResponseRedirect(target)
    try:
        pages_services.featured_collections_set(collection_ids=ids, actor=_actor(request))
    except FreeholdError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Featured collections saved.")
    return HttpResponseRedirect(target)

"""Settings writes made from the dashboard: the store's details, its menus, staff accounts.

Each function is one operation a merchant performs, atomic and audit-logged. Model rules
(colour contrast, menu link shape, field lengths) are checked with `full_clean` here as well
as in the views' forms, so a caller that skips the form cannot store what the form refuses.

Staff rules, enforced here and not only by hiding buttons:
- only the owner may make someone an owner, or change or deactivate an owner;
- the store always keeps at least one active owner;
- nobody demotes or deactivates themselves out of management (they would lock themselves out
  of this very page; another manager has to do it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files import File
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Max

from freehold.catalog.image_services import media_image_create
from freehold.core import audit
from freehold.core.audit import Actor
from freehold.core.errors import FreeholdError, ValidationFailed
from freehold.customers.emails import reset_path
from freehold.customers.models import Customer
from freehold.dashboard.access import AREA_CODES
from freehold.dashboard.store.tasks import send_staff_invitation
from freehold.storefront.models import Menu, MenuItem, StoreSettings

Role = Customer.StaffRole
MANAGER_ROLES = (Role.OWNER, Role.ADMIN)
MENU_TITLES = {"main": "Main menu", "footer": "Footer menu"}
IMAGE_FIELDS = ("logo", "hero_image", "social_image")


EDITABLE_SETTINGS = frozenset(
    field.name for field in StoreSettings._meta.concrete_fields if field.editable
) - {"id", "updated_at"}


class NotAllowed(FreeholdError):
    code = "forbidden"


def link_problem(value: str) -> str:
    """What is wrong with a link for the store's menus and banners ("" when nothing is).

    The admin's rule (MenuItem.clean: a path or a full http(s)/mailto URL), plus no
    protocol-relative `//host` paths, which would leave the store while looking like a path.
    """
    if value and not value.startswith(("/", "https://", "http://", "mailto:")):
        return "Use a path starting with / or a full http(s) URL."
    if value.startswith("//"):
        return "Use a path starting with a single / or a full URL."
    return ""


def full_clean_or_fail(instance: Any, *, exclude: Iterable[str] = ()) -> None:
    """Run the model's validation; the first problem becomes a `ValidationFailed` naming it."""
    try:
        instance.full_clean(exclude=list(exclude) or None)
    except DjangoValidationError as error:
        if hasattr(error, "error_dict"):
            field, messages = next(iter(error.message_dict.items()))
            name = None if field == "__all__" else field
            raise ValidationFailed(" ".join(messages), field=name) from None
        raise ValidationFailed(" ".join(error.messages)) from None


# --- Store details, theme -------------------------------------------------------------------


@transaction.atomic
def store_settings_update(
    *, actor: Actor, changes: dict[str, Any], images: Mapping[str, File] | None = None
) -> StoreSettings:
    """Apply `changes` (field name → value) to the settings row, and new brand images if given
    (`images` maps "logo", "hero_image" or "social_image" to an uploaded file).

    Saving through the ORM moves the page cache's `store` tag (storefront.cache), so every
    cached storefront page shows the change on its next request.
    """
    unknown = sorted(set(changes) - EDITABLE_SETTINGS)
    if unknown:
        raise ValueError(f"not store settings: {', '.join(unknown)}")
    store = StoreSettings.objects.select_for_update().filter(pk=1).first()
    if store is None:
        store = StoreSettings.objects.create(pk=1)
    changed = sorted(name for name, value in changes.items() if getattr(store, name) != value)
    for name in changed:
        setattr(store, name, changes[name])
    for name, upload in (images or {}).items():
        if name not in IMAGE_FIELDS:
            raise ValueError(f"not a brand image field: {name!r}")
        try:
            image = media_image_create(file=upload, filename=getattr(upload, "name", "") or "")
        except DjangoValidationError as error:
            raise ValidationFailed(" ".join(error.messages), field=name) from None
        setattr(store, name, image)
        changed.append(name)
    if not changed:
        return store
    full_clean_or_fail(store, exclude=IMAGE_FIELDS)
    store.save()
    audit.record(actor=actor, verb="store.settings_updated", obj=store, data={"fields": changed})
    return store


# --- Navigation -----------------------------------------------------------------------------


def menu_for(handle: str) -> Menu:
    if handle not in MENU_TITLES:
        raise ValidationFailed("Only the main and footer menus can be edited.", field="menu")
    menu, _ = Menu.objects.get_or_create(handle=handle, defaults={"title": MENU_TITLES[handle]})
    return menu


def _check_menu_item(item: MenuItem) -> None:
    problem = link_problem(item.url)
    if problem:
        raise ValidationFailed(problem, field="url")
    full_clean_or_fail(item)


@transaction.atomic
def menu_item_create(*, menu_handle: str, title: str, url: str, actor: Actor) -> MenuItem:
    """Add a link at the end of the menu."""
    menu = menu_for(menu_handle)
    last = menu.items.aggregate(last=Max("position"))["last"]
    item = MenuItem(menu=menu, title=title.strip(), url=url.strip())
    item.position = 0 if last is None else last + 1
    _check_menu_item(item)
    item.save()
    audit.record(
        actor=actor, verb="menu.item_added", obj=item, data={"menu": menu.handle, "url": item.url}
    )
    return item


@transaction.atomic
def menu_item_update(*, item: MenuItem, title: str, url: str, actor: Actor) -> MenuItem:
    item.title, item.url = title.strip(), url.strip()
    _check_menu_item(item)
    item.save(update_fields=["title", "url"])
    audit.record(actor=actor, verb="menu.item_changed", obj=item, data={"url": item.url})
    return item


@transaction.atomic
def menu_item_delete(*, item: MenuItem, actor: Actor) -> None:
    audit.record(
        actor=actor, verb="menu.item_removed", obj=item, data={"title": item.title, "url": item.url}
    )
    item.delete()


@transaction.atomic
def menu_item_move(*, item: MenuItem, offset: int, actor: Actor) -> None:
    """Move a link up (-1) or down (+1); positions are renumbered 0, 1, 2… on the way."""
    items = list(MenuItem.objects.select_for_update().filter(menu_id=item.menu_id))
    items.sort(key=lambda row: (row.position, row.id))
    index = next(i for i, row in enumerate(items) if row.pk == item.pk)
    target = max(0, min(len(items) - 1, index + offset))
    items.insert(target, items.pop(index))
    for position, row in enumerate(items):
        if row.position != position:
            row.position = position
            row.save(update_fields=["position"])
    audit.record(actor=actor, verb="menu.item_moved", obj=item, data={"position": target})


# --- Staff accounts -------------------------------------------------------------------------


def _check_role_and_permissions(role: str, permissions: Sequence[str]) -> list[str]:
    if role not in Role.values:
        raise ValidationFailed("Choose owner, admin or staff.", field="role")
    unknown = sorted(set(permissions) - AREA_CODES)
    if unknown:
        raise ValidationFailed(f"Unknown permissions: {', '.join(unknown)}.", field="permissions")
    # Owners and admins may do everything: a list would only mislead whoever reads it.
    return [] if role in MANAGER_ROLES else sorted(set(permissions))


def _role_of(user: Customer) -> str:
    return Role.OWNER if user.is_superuser else user.staff_role


def _require_manager(user: Customer) -> None:
    if not (user.is_active and user.is_staff and _role_of(user) in MANAGER_ROLES):
        raise NotAllowed("Only the owner and admins manage staff accounts.")


def _active_owner_count() -> int:
    return Customer.objects.filter(is_active=True, is_staff=True, staff_role=Role.OWNER).count()


def staff_invitation_send(*, member_id: int, inviter_id: int, base_url: str) -> int:
    """E-mail the set-password link (made now, never stored in the queue); 0 if gone since."""
    from freehold.storefront.selectors import store_settings

    member = Customer.objects.filter(pk=member_id, is_active=True, is_staff=True).first()
    invited_by = Customer.objects.filter(pk=inviter_id).first()
    if member is None or invited_by is None:
        return 0
    store = store_settings()
    base_url = base_url.rstrip("/")
    link = f"{base_url}{reset_path(member)}"
    inviter = invited_by.full_name or invited_by.email
    days = max(settings.PASSWORD_RESET_TIMEOUT // 86400, 1)
    already = (
        "You already have an account with this address: you may also keep your password and "
        "simply log in.\n\n"
        if member.has_usable_password()
        else ""
    )
    text = (
        f"Hello{' ' + member.first_name if member.first_name else ''},\n\n"
        f"{inviter} invited you to help run {store.name} as "
        f"{member.get_staff_role_display().lower()}.\n\n"
        f"Choose your password with this link:\n\n{link}\n\n"
        f"Then log in to the dashboard at {base_url}/dashboard/ with {member.email}.\n\n"
        f"{already}"
        f"The link works once, for {days} day{'s' if days != 1 else ''}; if it has expired, "
        f"ask {inviter} to send the invitation again.\n"
    )
    message = EmailMultiAlternatives(
        subject=f"You are invited to the {store.name} dashboard",
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[member.email],
        reply_to=[invited_by.email],
    )
    return message.send()


@transaction.atomic
def staff_invite(
    *,
    email: str,
    role: str,
    permissions: Sequence[str],
    invited_by: Customer,
    base_url: str,
    first_name: str = "",
    last_name: str = "",
) -> Customer:
    """Make a staff account without a usable password and e-mail a link to choose one.

    An existing customer account with the address (a shopper who also works in the store)
    becomes staff instead of a second account; an existing staff account is refused, its
    permissions are edited instead. The link is Django's password-reset token on the
    storefront's set-password page: it dies once used, when the password changes, and after
    PASSWORD_RESET_TIMEOUT. The e-mail is sent after commit.
    """
    _require_manager(invited_by)
    email = email.strip().lower()
    try:
        validate_email(email)
    except DjangoValidationError:
        raise ValidationFailed("Enter a valid e-mail address.", field="email") from None
    kept = _check_role_and_permissions(role, permissions)
    if role == Role.OWNER and _role_of(invited_by) != Role.OWNER:
        raise NotAllowed("Only an owner can make someone an owner.", field="role")
    member = Customer.objects.select_for_update().filter(email__iexact=email).first()
    if member is not None and member.is_staff:
        raise ValidationFailed(
            "This person already has a staff account: edit it instead.", field="email"
        )
    if member is None:
        member = Customer.objects.create_user(
            email, None, first_name=first_name.strip(), last_name=last_name.strip()
        )
    member.is_staff = True
    member.is_active = True
    member.staff_role = role
    member.staff_permissions = kept
    member.save(update_fields=["is_staff", "is_active", "staff_role", "staff_permissions"])
    audit.record(
        actor=Actor.for_user(invited_by),
        verb="staff.invited",
        obj=member,
        data={"email": email, "role": role, "permissions": kept},
    )
    member_id, inviter_id = member.pk, invited_by.pk
    transaction.on_commit(lambda: send_staff_invitation.enqueue(member_id, inviter_id, base_url))
    return member


@transaction.atomic
def staff_invitation_resend(*, member: Customer, invited_by: Customer, base_url: str) -> None:
    """A fresh link for someone who has not chosen a password yet (the first one expired)."""
    _require_manager(invited_by)
    if not (member.is_staff and member.is_active) or member.has_usable_password():
        raise ValidationFailed(
            "Only an invited account that has no password yet can be re-invited."
        )
    audit.record(actor=Actor.for_user(invited_by), verb="staff.invitation_resent", obj=member)
    member_id, inviter_id = member.pk, invited_by.pk
    transaction.on_commit(lambda: send_staff_invitation.enqueue(member_id, inviter_id, base_url))


@transaction.atomic
def staff_update(
    *, member: Customer, role: str, permissions: Sequence[str], changed_by: Customer
) -> Customer:
    """Change a staff member's role and permissions under the rules in the module docstring."""
    _require_manager(changed_by)
    kept = _check_role_and_permissions(role, permissions)
    member = Customer.objects.select_for_update().get(pk=member.pk, is_staff=True)
    before = _role_of(member)
    is_changer_owner = _role_of(changed_by) == Role.OWNER
    if role == Role.OWNER and before != Role.OWNER and not is_changer_owner:
        raise NotAllowed("Only an owner can make someone an owner.", field="role")
    if before == Role.OWNER and not is_changer_owner:
        raise NotAllowed("Only an owner can change an owner's account.", field="role")
    if member.pk == changed_by.pk and role not in MANAGER_ROLES:
        raise NotAllowed(
            "You cannot take away your own management role; ask another owner or admin.",
            field="role",
        )
    losing_an_owner = before == Role.OWNER and role != Role.OWNER and member.is_active
    if losing_an_owner and _active_owner_count() <= 1:
        raise NotAllowed("The store needs at least one active owner.", field="role")
    if member.is_superuser and role != Role.OWNER:
        raise NotAllowed("A superuser is always an owner; change it with the admin.", field="role")
    if (member.staff_role, member.staff_permissions) == (role, kept):
        return member
    member.staff_role, member.staff_permissions = role, kept
    member.save(update_fields=["staff_role", "staff_permissions"])
    audit.record(
        actor=Actor.for_user(changed_by),
        verb="staff.changed",
        obj=member,
        from_state=before,
        to_state=role,
        data={"permissions": kept},
    )
    return member


@transaction.atomic
def staff_deactivate(*, member: Customer, changed_by: Customer) -> Customer:
    """Close a staff account: it can no longer log in (its history and audit trail stay)."""
    _require_manager(changed_by)
    member = Customer.objects.select_for_update().get(pk=member.pk, is_staff=True)
    if member.pk == changed_by.pk:
        raise NotAllowed("You cannot deactivate your own account.")
    if _role_of(member) == Role.OWNER:
        if _role_of(changed_by) != Role.OWNER:
            raise NotAllowed("Only an owner can deactivate an owner.")
        if member.is_active and _active_owner_count() <= 1:
            raise NotAllowed("The store needs at least one active owner.")
    if not member.is_active:
        return member
    member.is_active = False
    member.save(update_fields=["is_active"])
    audit.record(actor=Actor.for_user(changed_by), verb="staff.deactivated", obj=member)
    return member


@transaction.atomic
def staff_reactivate(*, member: Customer, changed_by: Customer) -> Customer:
    _require_manager(changed_by)
    member = Customer.objects.select_for_update().get(pk=member.pk, is_staff=True)
    if _role_of(member) == Role.OWNER and _role_of(changed_by) != Role.OWNER:
        raise NotAllowed("Only an owner can reactivate an owner.")
    if member.is_active:
        return member
    member.is_active = True
    member.save(update_fields=["is_active"])
    audit.record(actor=Actor.for_user(changed_by), verb="staff.reactivated", obj=member)
    return member

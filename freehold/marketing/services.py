"""Discount codes: creating, editing, pausing, checking them against a cart, and taking one use.

`discount_validate` answers "may this cart use this code?" and returns the pure
`pricing.Discount` for the pricing pipeline. `discount_redeem` takes the use inside the order's
transaction. The check and the use are separate because a check can be stale by the time the
order is placed: the guarantee lives in `discount_redeem` alone.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import get_language, gettext, to_locale

from freehold.checkout import pricing
from freehold.core import audit, clock
from freehold.core.audit import Actor
from freehold.core.money import Money
from freehold.customers.models import Customer
from freehold.marketing import selectors
from freehold.marketing.errors import DiscountError, DiscountInvalid
from freehold.marketing.models import DiscountCode, DiscountRedemption, normalise_code


def discount_validate(
    *,
    code: str,
    currency: str,
    subtotal: Decimal,
    email: str = "",
    customer: Customer | None = None,
) -> pricing.Discount:
    """The discount a cart in `currency` with this `subtotal` may use, or why it may not.

    The per-customer limit is only checked when the shopper is known (an e-mail or an
    account); `discount_redeem` checks it again with the order's e-mail, for good.
    """
    discount = selectors.discount_code_get(code=code)
    if discount is None:
        raise DiscountError(gettext("This discount code does not exist."), code="unknown")
    if not discount.is_active:
        raise DiscountError(gettext("This discount code is not active."), code="inactive")
    now = clock.now()
    if discount.starts_at is not None and now < discount.starts_at:
        raise DiscountError(gettext("This discount code is not valid yet."), code="not_started")
    if discount.ends_at is not None and now >= discount.ends_at:
        raise DiscountError(gettext("This discount code has expired."), code="expired")
    if discount.currency and discount.currency != currency:
        raise DiscountError(
            gettext("This discount code can only be used in %(currency)s.")
            % {"currency": discount.currency},
            code="currency",
        )
    minimum = discount.minimum_subtotal_amount
    if minimum is not None and subtotal < minimum:
        # without a currency of its own, the minimum is in the cart's currency
        raise DiscountError(
            gettext("Spend at least %(amount)s to use this discount code.")
            % {"amount": Money(minimum, currency).format(to_locale(get_language() or "en"))},
            code="minimum_not_met",
        )
    if discount.usage_limit_total is not None and discount.times_used >= discount.usage_limit_total:
        raise DiscountError(
            gettext("This discount code has been used up."), code="usage_limit_reached"
        )
    if discount.usage_limit_per_customer is not None and (email or customer is not None):
        used = selectors.discount_redemptions_by(
            discount=discount, email=email, customer=customer
        ).count()
        if used >= discount.usage_limit_per_customer:
            raise DiscountError(
                gettext("You have already used this discount code."), code="already_used"
            )
    return pricing.Discount(
        code=discount.code,
        kind=pricing.DiscountKind(discount.kind),
        value=discount.value,
        minimum_subtotal=minimum,
    )


def discount_redeem(
    *,
    code: str,
    order_number: str,
    email: str,
    customer: Customer | None = None,
    amount: Decimal,
    currency: str,
) -> None:
    """Take one use of the code for an order; call it inside the order's transaction.

    A `DiscountError` here must roll the order back, which is why this function opens no
    transaction of its own (and refuses to run outside one).

    The total limit is the conditional UPDATE: `times_used` moves only while it is below the
    limit, so racing checkouts cannot take more uses than there are; "no row updated" is
    "used up". The per-customer limit has no counter to update conditionally: it counts
    redemption rows. Two checkouts by the same shopper would both count zero (neither sees the
    other's uncommitted row) and both insert. Locking the code's row first serialises all
    redemptions of one code: the second waits until the first commits, and its count, a new
    statement under READ COMMITTED, then sees the first's row. The lock is held only for the
    rest of the order's transaction, and only buyers of the same code wait on it.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("discount_redeem must run inside the order's transaction")
    email = email.strip().lower()
    discount = DiscountCode.objects.select_for_update().filter(code=normalise_code(code)).first()
    if discount is None:
        raise DiscountError(gettext("This discount code does not exist."), code="unknown")
    if discount.usage_limit_per_customer is not None:
        used = selectors.discount_redemptions_by(
            discount=discount, email=email, customer=customer
        ).count()
        if used >= discount.usage_limit_per_customer:
            raise DiscountError(
                gettext("You have already used this discount code."), code="already_used"
            )
    taken = (
        DiscountCode.objects.filter(pk=discount.pk)
        .filter(Q(usage_limit_total__isnull=True) | Q(times_used__lt=F("usage_limit_total")))
        .update(times_used=F("times_used") + 1, updated_at=clock.now())
    )
    if not taken:
        raise DiscountError(
            gettext("This discount code has been used up."), code="usage_limit_reached"
        )
    DiscountRedemption.objects.create(
        discount=discount,
        order_number=order_number,
        email=email,
        customer=customer,
        amount=amount,
        currency=currency,
    )


# What staff may set on a code. `times_used` is moved only by `discount_redeem`.
DISCOUNT_FIELDS = frozenset(
    {
        "code",
        "kind",
        "value",
        "currency",
        "minimum_subtotal_amount",
        "starts_at",
        "ends_at",
        "usage_limit_total",
        "usage_limit_per_customer",
        "is_active",
    }
)


def _discount_check(discount: DiscountCode) -> None:
    """The one set of rules for a code, whether new or edited: the model's field validators
    (pattern, limits at least 1, no negative amounts), its `clean` (a percentage at most 100,
    the end after the start, a currency for a fixed amount) and the code's uniqueness in any
    case (codes are stored upper-cased, so the unique index is case-insensitive).

    Raises `DiscountInvalid` naming every wrong field, so the dashboard form and the API's
    error both point at the field to fix."""
    try:
        discount.full_clean()
    except ValidationError as error:
        errors = {
            ("code" if name == "__all__" else name): " ".join(messages)
            for name, messages in error.message_dict.items()
        }
        if (
            "code" in errors
            and DiscountCode.objects.filter(code=discount.code).exclude(pk=discount.pk).exists()
        ):
            errors["code"] = f"The code {discount.code} already exists."
        raise DiscountInvalid(errors) from None
    if discount.kind != DiscountCode.Kind.FREE_SHIPPING and not discount.value:
        raise DiscountInvalid({"value": "The discount must be more than zero."})


@transaction.atomic
def discount_create(*, actor: Actor | None = None, **fields: Any) -> DiscountCode:
    """A new code, validated as a form would, so bad codes never reach the shop.

    Raises `DiscountInvalid` (with the field) for a code that could not work.
    """
    unknown = set(fields) - DISCOUNT_FIELDS
    if unknown:
        raise TypeError(f"Unknown discount fields: {', '.join(sorted(unknown))}")
    discount = DiscountCode(**fields)
    _discount_check(discount)
    discount.save()
    audit.record(
        actor=actor or Actor.system(),
        verb="discount.created",
        obj=discount,
        to_state="active" if discount.is_active else "paused",
        data={"code": discount.code},
    )
    return discount


@transaction.atomic
def discount_update(*, discount: DiscountCode, actor: Actor, **changes: Any) -> DiscountCode:
    """Change some of a code's settings, under the same rules as `discount_create`.

    The row is locked and re-read first, and only the changed fields are written: checkouts
    move `times_used` concurrently, and saving a stale copy would give back uses already taken.
    Renaming a code keeps its history (redemptions point at the row, not the text); shoppers
    must then type the new code.
    """
    unknown = set(changes) - DISCOUNT_FIELDS
    if unknown:
        raise TypeError(f"Unknown discount fields: {', '.join(sorted(unknown))}")
    locked = DiscountCode.objects.select_for_update().get(pk=discount.pk)
    before = {name: getattr(locked, name) for name in changes}
    for name, value in changes.items():
        setattr(locked, name, value)
    _discount_check(locked)
    changed = [name for name in changes if getattr(locked, name) != before[name]]
    if changed:
        locked.updated_at = clock.now()
        locked.save(update_fields=[*changed, "updated_at"])
        audit.record(
            actor=actor,
            verb="discount.updated",
            obj=locked,
            data={
                "fields": sorted(changed),
                **(
                    {"code": {"from": before["code"], "to": locked.code}}
                    if "code" in changed
                    else {}
                ),
            },
        )
    for name in (*DISCOUNT_FIELDS, "times_used", "updated_at"):
        setattr(discount, name, getattr(locked, name))
    return discount


def discount_pause(*, discount: DiscountCode, actor: Actor | None = None) -> DiscountCode:
    """Stop a code being accepted, keeping its uses and limits for when it is resumed."""
    return _set_active(discount=discount, is_active=False, actor=actor)


def discount_resume(*, discount: DiscountCode, actor: Actor | None = None) -> DiscountCode:
    return _set_active(discount=discount, is_active=True, actor=actor)


@transaction.atomic
def _set_active(*, discount: DiscountCode, is_active: bool, actor: Actor | None) -> DiscountCode:
    was_active = discount.is_active
    discount.is_active = is_active
    discount.updated_at = clock.now()
    # update_fields: never write back a stale `times_used`
    discount.save(update_fields=["is_active", "updated_at"])
    audit.record(
        actor=actor or Actor.system(),
        verb="discount.resumed" if is_active else "discount.paused",
        obj=discount,
        from_state="active" if was_active else "paused",
        to_state="active" if is_active else "paused",
    )
    return discount

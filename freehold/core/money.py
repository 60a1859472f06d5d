"""Money: a `Decimal` amount with an ISO 4217 currency. Never a float.

Amounts are stored as `<name>_amount` columns with four decimal places plus one `currency`
column per row; they are quantized to the currency's minor unit (Babel knows it: JPY 0,
EUR 2, KWD 3) at the boundaries: display, totals, payment.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import format_currency, get_currency_precision, list_currencies


class CurrencyMismatch(ValueError):
    """Two amounts in different currencies met in one sum or comparison."""


@lru_cache(maxsize=256)
def minor_unit_exponent(currency: str) -> Decimal:
    return Decimal(1).scaleb(-get_currency_precision(currency))


@lru_cache(maxsize=1)
def _currency_codes() -> frozenset[str]:
    return frozenset(list_currencies())


def is_currency_code(code: str) -> bool:
    """An ISO 4217 code Babel knows (it has names and minor units for them)."""
    return code in _currency_codes()


def to_decimal(value: object) -> Decimal:
    if isinstance(value, float):
        raise TypeError("Money never meets a float: pass a Decimal or a string.")
    try:
        return Decimal(value)  # type: ignore[arg-type]
    except (InvalidOperation, TypeError) as exc:
        raise ValueError(f"not an amount: {value!r}") from exc


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", to_decimal(self.amount))
        if len(self.currency) != 3 or not self.currency.isalpha() or not self.currency.isupper():
            raise ValueError(f"not an ISO 4217 currency code: {self.currency!r}")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    def _check(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} and {other.currency} cannot be combined")
        return other

    def __add__(self, other: object) -> Money:
        return Money(self.amount + self._check(other).amount, self.currency)

    def __sub__(self, other: object) -> Money:
        return Money(self.amount - self._check(other).amount, self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        if isinstance(factor, float):
            raise TypeError("Money never meets a float")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: object) -> bool:
        return self.amount < self._check(other).amount

    def __le__(self, other: object) -> bool:
        return self.amount <= self._check(other).amount

    def __gt__(self, other: object) -> bool:
        return self.amount > self._check(other).amount

    def __ge__(self, other: object) -> bool:
        return self.amount >= self._check(other).amount

    def __bool__(self) -> bool:
        return bool(self.amount)

    def quantize(self, rounding: str = ROUND_HALF_UP) -> Money:
        """Round to the currency's minor unit (cents, whole yen, fils)."""
        return Money(
            self.amount.quantize(minor_unit_exponent(self.currency), rounding=rounding),
            self.currency,
        )

    def format(self, locale: str = "en") -> str:
        return format_currency(self.quantize().amount, self.currency, locale=locale)

    def __str__(self) -> str:
        return self.format()

    def as_json(self) -> dict[str, str]:
        return {"amount": str(self.quantize().amount), "currency": self.currency}


def sum_money(items: list[Money], currency: str) -> Money:
    total = Money.zero(currency)
    for item in items:
        total = total + item
    return total

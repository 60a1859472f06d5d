"""One error type for business rules: a code, the field or row it concerns, a message."""

from __future__ import annotations


class FreeholdError(Exception):
    code = "error"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.field = field

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "field": self.field}


class ValidationFailed(FreeholdError):
    code = "invalid"


class NotFound(FreeholdError):
    code = "not_found"

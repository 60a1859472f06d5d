"""Write audit records. Services call `record()` inside their transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from freehold.core.models import AuditEvent


@dataclass(frozen=True)
class Actor:
    kind: str
    id: str = ""
    label: str = ""

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(AuditEvent.ActorKind.SYSTEM, "", label)

    @classmethod
    def for_user(cls, user: Any) -> Actor:
        if user is None or not getattr(user, "is_authenticated", False):
            return cls.system("anonymous")
        kind = AuditEvent.ActorKind.STAFF if user.is_staff else AuditEvent.ActorKind.CUSTOMER
        return cls(kind, str(user.pk), user.email)


def record(
    *,
    actor: Actor,
    verb: str,
    obj: Any,
    from_state: str = "",
    to_state: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_label=actor.label,
        verb=verb,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        from_state=from_state,
        to_state=to_state,
        data=data or {},
    )

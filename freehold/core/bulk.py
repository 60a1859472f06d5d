"""Inserting many rows without model instances: COPY on PostgreSQL, executemany on SQLite.

Used by the seed (a million orders) and by imports (children of new products: price history,
stock movements, facets, audit records).

`bulk_create` is the right tool for thousands of rows. For the million orders of a load test
it spends most of its time building model instances, preparing every value through its field
and compiling one very wide INSERT per batch. Here a row is a dict of column values; fields
that are missing take their model default; primary keys are handed out from a block reserved
up front (`IdBlock`), so children can point at parents without reading anything back.

Values still go through `field.get_db_prep_save` where a backend needs it (JSON everywhere,
datetimes and decimals on SQLite), so what lands is what the ORM would have written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db import connection, models
from django.db.models import Max

NOT_PROVIDED = object()
# What SQLite needs Django's preparation for: decimals and dates become text, JSON is dumped.
_SQLITE_CONVERTED = (
    models.DecimalField,
    models.DateTimeField,
    models.DateField,
    models.TimeField,
    models.JSONField,
    models.UUIDField,
    models.DurationField,
)


class IdBlock:
    """Primary keys for a model's new rows, counting up from the largest in the table.

    Only for a writer that has the table to itself (the seed); `finish` moves PostgreSQL's
    sequence past the last key used, so the application's own inserts continue from there.
    """

    def __init__(self, model: type[models.Model]):
        self.model = model
        self.next = int(model._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1

    def take(self) -> int:
        value = self.next
        self.next += 1
        return value

    def finish(self) -> None:
        if connection.vendor != "postgresql":
            return  # SQLite's AUTOINCREMENT follows the largest key inserted.
        table = self.model._meta.db_table
        column = self.model._meta.pk.column
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, %s), %s, false)",
                [table, column, self.next],
            )


class RowWriter:
    """Writes dict rows into one model's table; build it once, call `write` per batch.

    With `with_pk=False` the database numbers the rows (for rows nothing points at: history,
    audit records, links), so a writer that shares the table with others (an import) can use it.
    """

    def __init__(self, model: type[models.Model], *, with_pk: bool = True):
        self.model = model
        self.fields = [
            field for field in model._meta.concrete_fields if with_pk or not field.primary_key
        ]
        self.columns = [field.column for field in self.fields]
        self.defaults: list[Any] = []
        self.per_row_defaults: list[Callable[[], Any] | None] = []
        for field in self.fields:
            if field.primary_key:
                self.defaults.append(NOT_PROVIDED)
                self.per_row_defaults.append(None)
            elif field.has_default() and callable(field.default) and field.unique:
                # A unique default (an order's token) must be drawn for every row.
                self.defaults.append(NOT_PROVIDED)
                self.per_row_defaults.append(field.default)
            else:
                self.defaults.append(field.get_default())  # "" for text, None if nullable
                self.per_row_defaults.append(None)
        self.converters: list[Callable[[Any], Any] | None] = [
            self._converter(field) for field in self.fields
        ]

    @staticmethod
    def _converter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
        if connection.vendor == "postgresql" and not isinstance(field, models.JSONField):
            return None  # psycopg adapts Decimal, datetime, bool and str itself.
        if not isinstance(field, _SQLITE_CONVERTED):
            return None  # sqlite3 takes str, int, bool and None as they are.

        def convert(value: Any) -> Any:
            return field.get_db_prep_save(value, connection)

        return convert

    def _tuple(self, row: Mapping[str, Any]) -> tuple[Any, ...]:
        values = []
        for field, default, per_row, convert in zip(
            self.fields, self.defaults, self.per_row_defaults, self.converters, strict=True
        ):
            value = row.get(field.attname, NOT_PROVIDED)
            if value is NOT_PROVIDED:
                if per_row is not None:
                    value = per_row()
                elif default is NOT_PROVIDED:
                    raise ValueError(f"{self.model.__name__}.{field.attname} needs a value")
                else:
                    value = default
            if convert is not None and value is not None:
                value = convert(value)
            values.append(value)
        return tuple(values)

    def write(self, rows: Iterable[Mapping[str, Any]]) -> int:
        table = connection.ops.quote_name(self.model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(str(column)) for column in self.columns)
        count = 0
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
                # Django's exceptions (IntegrityError…), as from any other query.
                with (
                    connection.wrap_database_errors,
                    raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
                ):
                    for row in rows:
                        copy.write_row(self._tuple(row))
                        count += 1
            else:
                tuples = [self._tuple(row) for row in rows]
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuples)
                count = len(tuples)
        return count


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` primary keys for new rows of `model`, safe while others write the table too.

    PostgreSQL hands them out from the table's sequence (as its own inserts would). SQLite has
    one writer at a time: inside a transaction (IMMEDIATE, see settings) the write lock is held,
    so the keys after the largest ever used (AUTOINCREMENT's `sqlite_sequence`, which never
    reuses a deleted row's key) are ours until commit. Call it inside `transaction.atomic()`.
    """
    if count <= 0:
        return []
    table = model._meta.db_table
    column = str(model._meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        quoted = connection.ops.quote_name(table)
        cursor.execute(
            f"SELECT COALESCE(MAX({connection.ops.quote_name(column)}), 0) FROM {quoted}"
        )
        largest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(largest, row[0] if row else 0) + 1
        return list(range(start, start + count))


def model_row(instance: models.Model) -> dict[str, Any]:
    """An unsaved instance's column values, for `RowWriter.write`."""
    return {
        field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields
    }

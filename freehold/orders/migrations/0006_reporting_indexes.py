"""The dashboard home's figures on a long order history.

- `Order.customer_first_order_at`: when the order's e-mail or customer account first ordered, if
  before this order (filled by the order's INSERT from now on; backfilled here).
- `orders_order_todo_idx`: a partial index holding only the open orders waiting for staff.
- `orders_order_report_idx` (PostgreSQL only): placed_at covering the columns the sales summary
  reads, so the period's orders are read from the index alone. SQLite has no INCLUDE columns,
  and a demo store's few thousand orders do not need it.
"""

from django.conf import settings
from django.db import migrations, models

# Two statements: the earliest order by e-mail, then by customer account where that is earlier.
# Only orders that had an earlier one are written (a first order keeps NULL), which on a million
# orders is about one in six rows. UPDATE ... FROM works on PostgreSQL and SQLite >= 3.33.
BACKFILL = [
    """
    UPDATE orders_order SET customer_first_order_at = earliest.placed_at
    FROM (
        SELECT email, MIN(placed_at) AS placed_at FROM orders_order
        WHERE placed_at IS NOT NULL GROUP BY email
    ) AS earliest
    WHERE orders_order.email = earliest.email
      AND orders_order.placed_at > earliest.placed_at
    """,
    """
    UPDATE orders_order SET customer_first_order_at = earliest.placed_at
    FROM (
        SELECT customer_id, MIN(placed_at) AS placed_at FROM orders_order
        WHERE placed_at IS NOT NULL AND customer_id IS NOT NULL GROUP BY customer_id
    ) AS earliest
    WHERE orders_order.customer_id = earliest.customer_id
      AND orders_order.placed_at > earliest.placed_at
      AND (orders_order.customer_first_order_at IS NULL
           OR orders_order.customer_first_order_at > earliest.placed_at)
    """,
]
REPORT_INDEX = (
    "CREATE INDEX orders_order_report_idx ON orders_order (placed_at) "
    "INCLUDE (id, payment_status, currency, total_amount, customer_first_order_at)"
)


def backfill(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for statement in BACKFILL:
            cursor.execute(statement)


def report_index_create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REPORT_INDEX)


def report_index_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS orders_order_report_idx")


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0005_order_notes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="customer_first_order_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                condition=models.Q(
                    ("status", "open"),
                    models.Q(
                        ("payment_status", "awaiting_payment"),
                        models.Q(("fulfilment_status", "unfulfilled"), ("payment_status", "paid")),
                        _connector="OR",
                    ),
                ),
                fields=["payment_status", "fulfilment_status"],
                name="orders_order_todo_idx",
            ),
        ),
        migrations.RunPython(report_index_create, report_index_drop),
    ]

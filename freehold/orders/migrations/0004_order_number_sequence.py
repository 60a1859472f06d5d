"""PostgreSQL: order numbers from a real sequence instead of the locked counter row.

The sequence continues after the larger of the counter row and the highest order number, so
an existing store keeps numbering where it was. SQLite keeps the counter row (its writers are
serialised anyway). See `orders.services.order_number_next`.
"""

from django.db import migrations

SEQUENCE = "orders_order_number"


def create_sequence(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE} AS bigint MINVALUE 0")
    schema_editor.execute(
        f"""
        SELECT setval('{SEQUENCE}', GREATEST(
            1000,
            COALESCE((SELECT last_value FROM orders_ordernumbersequence WHERE id = 1), 0),
            COALESCE((SELECT max(number::bigint) FROM orders_order
                      WHERE number ~ '^[0-9]{{1,18}}$'), 0)
        ), true)
        """
    )


def drop_sequence(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # Back to the counter row: it continues after the last number the sequence handed out.
    schema_editor.execute(
        f"""
        INSERT INTO orders_ordernumbersequence (id, last_value)
        SELECT 1, last_value FROM {SEQUENCE}
        ON CONFLICT (id) DO UPDATE SET last_value = GREATEST(
            orders_ordernumbersequence.last_value, EXCLUDED.last_value)
        """
    )
    schema_editor.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0003_order_payment_gateway"),
    ]

    operations = [migrations.RunPython(create_sequence, drop_sequence)]

"""Google Shopping attributes on products (imports carry them, feeds read them).

On SQLite, adding a column with a default makes Django rebuild the product table, and dropping
the old table drops its full-text triggers with it: they are created again and the index
rebuilt, or new and renamed products would never be found by search.
"""

import importlib

from django.db import migrations, models

search = importlib.import_module("freehold.catalog.migrations.0002_search")
TRIGGERS = [
    statement.replace("CREATE TRIGGER", "CREATE TRIGGER IF NOT EXISTS", 1)
    for statement in search.SQLITE_FORWARD
    if statement.startswith("CREATE TRIGGER")
]
REBUILD = "INSERT INTO catalog_product_fts(catalog_product_fts) VALUES ('rebuild')"


def restore_search_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in [*TRIGGERS, REBUILD]:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0005_translations"),
    ]

    operations = [
        migrations.AddField(
            model_name="product",
            name="feed_attributes",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(restore_search_triggers, migrations.RunPython.noop),
    ]

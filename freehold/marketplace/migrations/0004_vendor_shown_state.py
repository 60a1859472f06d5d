from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0003_payout_hold_release"),
    ]

    operations = [
        migrations.AddField(
            model_name="vendor",
            name="shown_state",
            field=models.CharField(blank=True, max_length=64),
        ),
    ]

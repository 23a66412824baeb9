# Every activity's figures have their keys since 0011 (incentives.figures writes them).

import django.db.models.deletion
from django.db import migrations, models


def required(to: str) -> models.ForeignKey:
    return models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to=to)


class Migration(migrations.Migration):
    dependencies = [
        ("incentives", "0011_activity_figures_keys"),
    ]

    operations = [
        migrations.AlterField(
            model_name="activityfigures", name="fund", field=required("incentives.fund")
        ),
        migrations.AlterField(
            model_name="activityfigures", name="partner", field=required("partners.partner")
        ),
        migrations.AlterField(
            model_name="activityfigures", name="program", field=required("incentives.mdfprogram")
        ),
    ]

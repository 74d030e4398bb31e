from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("drugs", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="drug",
            name="other_names",
            field=models.TextField(
                blank=True,
                help_text="Other generic names or spellings patients may search for (e.g. calcipotriol), one per line.",
            ),
        ),
        migrations.AddField(
            model_name="drug",
            name="class_group",
            field=models.CharField(
                default="",
                help_text="Short heading the public guide groups medicines under, e.g. 'Corticosteroids'.",
                max_length=100,
            ),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name="warningsign",
            constraint=models.CheckConstraint(condition=~models.Q(advice=""), name="warningsign_advice_not_empty"),
        ),
        migrations.AddConstraint(
            model_name="amountlimit",
            constraint=models.CheckConstraint(condition=~models.Q(advice=""), name="amountlimit_advice_not_empty"),
        ),
    ]

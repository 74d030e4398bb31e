"""The default cache's table (rate-limit counts shared by every worker), created with the schema so that
`migrate` is all a deployment runs. Nothing happens when CACHES["default"] is not a database cache."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("clinics", "0002_clinic_phone")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop, elidable=False)]

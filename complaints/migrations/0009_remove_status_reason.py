"""The free-text reason goes: 0008 moved it into the internal rejection note."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("complaints", "0008_rejection_reasons")]

    operations = [migrations.RemoveField(model_name="complaint", name="status_reason")]

"""Fill the new clinic column from each row's parent (see reattune.clinics.fill).

Its own migration, between adding the column and making it required: on PostgreSQL an ALTER
TABLE cannot run in the transaction that just updated the rows (pending foreign-key checks)."""

from django.db import migrations

from reattune.clinics.fill import fill_clinic_from_parent


class Migration(migrations.Migration):
    dependencies = [("learning", "0004_clinic_on_child_rows")]

    operations = [
        fill_clinic_from_parent(
            "learning",
            [
                ("GoalNote", "goal"),
            ],
        )
    ]

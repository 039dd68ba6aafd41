"""The audit page lists one clinic's rows newest first, optionally only one person's or one
client's (and the export walks a clinic's rows in order): indexes led by clinic_id and ending in
seq serve each without reading other clinics' rows; a date range rides on seq order. The table
is unmanaged (its triggers come from 0001), so the indexes are plain SQL, the same on SQLite
and PostgreSQL."""

from django.db import migrations

INDEXES = {
    "audit_auditevent_clinic_seq": "clinic_id, seq",
    "audit_auditevent_clinic_client_seq": "clinic_id, client_id, seq",
    "audit_auditevent_clinic_user_seq": "clinic_id, user_id, seq",
}


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX {name} ON audit_auditevent ({columns})",
            f"DROP INDEX {name}",
        )
        for name, columns in INDEXES.items()
    ]

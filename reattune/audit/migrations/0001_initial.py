# The audit table is created here and kept out of Django's management (managed = False), so no
# `flush` (pytest-django's transactional tests, live-server browser tests) ever tries to empty
# it. Triggers then refuse every UPDATE and DELETE (and TRUNCATE on PostgreSQL): rows are only
# ever appended. Reversible: going back drops the triggers and the table.

import django.utils.timezone
from django.db import migrations, models

TABLE = "audit_auditevent"
REFUSED = "audit rows are append-only"

SQLITE_TRIGGERS = [
    f"CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{REFUSED}: UPDATE refused'); END",
    f"CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{REFUSED}: DELETE refused'); END",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {TABLE}_no_update",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_delete",
]
POSTGRES_TRIGGERS = [
    f"""CREATE OR REPLACE FUNCTION {TABLE}_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '{REFUSED}: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
        END $$""",
    f"CREATE TRIGGER {TABLE}_no_change BEFORE UPDATE OR DELETE ON {TABLE} "
    f"FOR EACH ROW EXECUTE FUNCTION {TABLE}_refuse()",
    f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
    f"FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_refuse()",
    # A second wall for an application role that is not a superuser: even the table's owner
    # has to GRANT itself these back before the triggers are the only thing in the way.
    f"REVOKE UPDATE, DELETE, TRUNCATE ON {TABLE} FROM PUBLIC, CURRENT_USER",
]
POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS {TABLE}_no_change ON {TABLE}",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}",
    f"DROP FUNCTION IF EXISTS {TABLE}_refuse()",
    f"GRANT UPDATE, DELETE, TRUNCATE ON {TABLE} TO CURRENT_USER",
]


def _run(schema_editor, statements_by_vendor):
    for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


def refuse_changes(apps, schema_editor):
    _run(schema_editor, {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRES_TRIGGERS})


def allow_changes(apps, schema_editor):
    _run(schema_editor, {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP})


FIELDS = [
    ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
    ("seq", models.PositiveBigIntegerField(unique=True)),
    ("at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
    ("user_id", models.BigIntegerField(blank=True, db_index=True, null=True)),
    ("user_label", models.CharField(blank=True, max_length=254)),
    ("clinic_id", models.BigIntegerField(blank=True, db_index=True, null=True)),
    ("client_id", models.BigIntegerField(blank=True, db_index=True, null=True)),
    ("case_id", models.BigIntegerField(blank=True, db_index=True, null=True)),
    ("category", models.CharField(choices=[("client", "Client"), ("response", "Client check"), ("repair", "Repair"), ("supervision", "Supervision"), ("learning", "Learning"), ("report", "Report"), ("people", "People and roles"), ("sign_in", "Signing in"), ("audit", "Audit log"), ("system", "System")], max_length=20)),
    ("action", models.CharField(choices=[("read", "Read"), ("create", "Create"), ("change", "Change"), ("delete", "Delete"), ("export", "Export"), ("print", "Print"), ("login", "Log in"), ("logout", "Log out"), ("login_failed", "Failed log-in"), ("lockout", "Locked out"), ("second_factor", "Second factor"), ("role", "Role or access change"), ("break_glass", "Break-glass access")], max_length=20)),
    ("outcome", models.CharField(choices=[("ok", "Allowed"), ("denied", "Denied"), ("failed", "Failed")], default="ok", max_length=10)),
    ("request_id", models.CharField(blank=True, max_length=64)),
    ("target", models.CharField(blank=True, max_length=200)),
    ("address", models.GenericIPAddressField(blank=True, null=True)),
    ("flagged", models.BooleanField(default=False)),
    ("prev_hash", models.CharField(max_length=64)),
    ("row_hash", models.CharField(max_length=64, unique=True)),
]


class Migration(migrations.Migration):

    initial = True

    dependencies = []

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditEvent",
                    fields=FIELDS,
                    options={"ordering": ["seq"], "managed": False, "db_table": TABLE},
                ),
            ],
            database_operations=[
                # Created as an ordinary model for the database's sake only, so each database
                # gets its own column types and indexes.
                migrations.CreateModel(
                    name="AuditEvent",
                    fields=[(name, field.clone()) for name, field in FIELDS],
                    options={"ordering": ["seq"], "db_table": TABLE},
                ),
            ],
        ),
        migrations.RunPython(refuse_changes, allow_changes, elidable=False),
    ]

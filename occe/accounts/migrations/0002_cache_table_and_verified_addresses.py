from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    """The database cache (rate limits shared by every process) when no Redis is configured;
    does nothing for a Redis cache or when the table exists."""
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def verify_addresses_proven_by_a_password(apps, schema_editor):
    """Accounts that chose their password through the link e-mailed to them (invitation or
    reset) and never touched the old self-service address page keep their address verified."""
    User = apps.get_model("accounts", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    users = (
        User.objects.exclude(password="")
        .exclude(password__startswith="!")
        .exclude(pk__in=EmailAddress.objects.values("user"))
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user_id=user.pk, email=user.email, verified=True, primary=True)
        for user in users
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [
        migrations.RunPython(create_cache_table, migrations.RunPython.noop),
        migrations.RunPython(verify_addresses_proven_by_a_password, migrations.RunPython.noop),
    ]

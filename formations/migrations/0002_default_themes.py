from django.db import migrations

THEMES = [
    "Gestion de l'argent",
    "Climat scolaire",
    "Pédagogies coopératives",
    "Théâtre",
    "Cinéma",
    "Vie associative",
]


def add_themes(apps, schema_editor):
    Theme = apps.get_model("formations", "Theme")
    for name in THEMES:
        Theme.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("formations", "0001_initial")]

    operations = [migrations.RunPython(add_themes, migrations.RunPython.noop)]

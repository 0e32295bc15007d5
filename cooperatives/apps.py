from django.apps import AppConfig


class CooperativesConfig(AppConfig):
    name = "cooperatives"
    verbose_name = "Coopératives"

    def ready(self):
        from occe.accounts.directory import UserColumn, register_column

        register_column(UserColumn("École", ("school__cooperative",), _school_of))


def _school_of(user) -> str:
    """A teacher's school as the users list shows it (the name, the commune)."""
    school = getattr(user, "school", None)
    if school is None:
        return ""
    return f"{school.cooperative.name} ({school.cooperative.commune})"

from django.db import models

from cooperatives.models import Cooperative


class CoopScopedQuerySet(models.QuerySet):
    """Things a cooperative asks for (reservations, orders), read by staff and board, and by
    the coop's own mandataires.

    TODO(teachers): a teacher will read those of their school's coop; only this scope changes,
    the rows already have `cooperative` and `requested_by`.
    """

    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.sees_everything:
            return self
        if user.is_mandataire:
            return self.filter(cooperative__in=Cooperative.objects.visible_to(user))
        return self.none()

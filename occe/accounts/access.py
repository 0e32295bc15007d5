"""Access rules shared by every app's views.

A user asks for an object through a queryset scoped to them (`Model.objects.visible_to(user)`):
outside the scope it is a 404. A user who may read but not change gets a 403 when they try.
"""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from . import rules


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def get_for_user(queryset, user, **lookup):
    """Read: the object through the user's read scope (`visible_to`); outside it, a 404."""
    return get_object_or_404(queryset.visible_to(user), **lookup)


def get_rw_for_user(queryset, user, **lookup):
    """Read-write: a 404 outside the user's read scope, a 403 when its rule
    (`can_be_edited_by`) says the user may only read it."""
    obj = get_for_user(queryset, user, **lookup)
    require(obj.can_be_edited_by(user))
    return obj


def role_required(test: Callable) -> Callable:
    """View decorator: `@role_required(lambda u: u.sees_everything)`; 403 when the test fails."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            require(bool(test(request.user)))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


# The role predicates of occe/accounts/rules.py, the ones the navigation asks too.
staff_or_board = role_required(rules.sees_everything)
secretariat_only = role_required(rules.is_secretariat)
staff_only = role_required(rules.is_staff_member)

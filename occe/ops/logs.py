"""Logs an administrator can search: one JSON line per request, without personal data.

Configured in settings.LOGGING (JSON in production, plain text in development).
"""

import logging
import time

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

logger = logging.getLogger("occe.requests")

# URL arguments that are secrets: allauth's password-reset links (the invitations use them).
SECRET_ARGUMENTS = {"key", "uidb36", "uidb64", "token"}
HIDDEN = "***"


class JsonFormatter(BaseJsonFormatter):
    """One JSON object per line: time, level, logger, message, the record's extra fields and,
    for errors, the stack trace (`exc_info`). Django's `request` attribute is left out: its
    repr holds the query string."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, "request"])
        kwargs.setdefault(
            "rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"}
        )
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s", *args, **kwargs)


def loggable_path(request) -> str:
    """The path without its query string, secret URL arguments replaced by ***."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match:
        for name, value in match.kwargs.items():
            if name in SECRET_ARGUMENTS and isinstance(value, str) and value:
                path = path.replace(value, HIDDEN)
    return path


class RequestLogMiddleware:
    """First in MIDDLEWARE: times the whole request, logs one line when the response leaves.

    The user is named by id only; no query string (searches hold names), no e-mail, no IP.
    /sante/'s answers while healthy are not logged: the healthchecks call it every 30 s."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        match = getattr(request, "resolver_match", None)
        if match and match.view_name == "ops:health" and response.status_code == 200:
            return response
        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and user.is_authenticated else None
        path = loggable_path(request)
        logger.info(
            "%s %s %s",
            request.method,
            path,
            response.status_code,
            extra={
                "user_id": user_id,
                "method": request.method,
                "path": path,
                "status": response.status_code,
                "duration_ms": duration_ms,
            },
        )
        return response

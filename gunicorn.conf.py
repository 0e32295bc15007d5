"""gunicorn settings, read from the working directory by `make web` and by the web service of
docker-compose.yml (both run `gunicorn occe.wsgi:application`)."""

import os

# Behind Caddy in docker-compose.yml (WEB_BIND=0.0.0.0:8000 there); local only otherwise.
bind = os.environ.get("WEB_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))

# The longest request: confirming the import of a whole department ×10 (6 250 coops) took 27 s
# in `make bench`; 120 s leaves room for a slower server. Caddy waits a little longer (Caddyfile).
timeout = 120
graceful_timeout = 30
# WeasyPrint and openpyxl leave memory behind: a worker is replaced now and then.
max_requests = 1000
max_requests_jitter = 100

# Only Caddy reaches this port: trust its X-Forwarded-* headers.
forwarded_allow_ips = "*"
# One JSON line per request comes from the application (occe/ops/logs.py).
accesslog = None
errorlog = "-"

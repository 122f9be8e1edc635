"""gunicorn's settings for `make serve` and production (`gunicorn -c config/gunicorn.py config.wsgi`).

Each value can be changed from the environment: GUNICORN_BIND, WEB_CONCURRENCY (worker processes),
GUNICORN_THREADS, GUNICORN_TIMEOUT. The portal's own log has one JSON line per request (core/middleware.py), so
gunicorn's access log is off; its error log goes to standard error.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads (gthread worker): a slow client or a long download holds a thread, not the whole process; the search
# index is shared by a process's threads. Each thread may hold a database connection: keep
# WEB_CONCURRENCY x GUNICORN_THREADS under PostgreSQL's max_connections (100 by default).
threads = int(os.environ.get("GUNICORN_THREADS", "16"))
# A request that holds a worker longer than this is killed and logged (uploads stop themselves well before).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Each worker is replaced after this many requests (plus jitter), so that slow leaks never grow for long.
max_requests = 2000
max_requests_jitter = 200
# The search index is built per process: loading the application in each worker keeps its memory its own.
preload_app = False
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Requests arrive from the reverse proxy on the same host: trust its X-Forwarded-* headers only from there.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Request line and header limits (gunicorn's defaults, stated): the body's limit is REQUEST_MAX_BYTES in Django.
limit_request_line = 8190
limit_request_fields = 100

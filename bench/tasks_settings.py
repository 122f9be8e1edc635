"""Settings of bench/tasks_backends.py: the development settings, with the task backend chosen by BENCH_TASKS
("db": django-tasks-db, the portal's; "rq": django-tasks-rq on Redis, REDIS_URL) and no debug (no query log)."""

import os

from config.settings.dev import *  # noqa: F403

DEBUG = False
if os.environ.get("BENCH_SQLITE"):  # a temporary SQLite file instead of the development one
    DATABASES["default"]["NAME"] = os.environ["BENCH_SQLITE"]  # noqa: F405
if os.environ.get("BENCH_TASKS") == "rq":
    INSTALLED_APPS = [*INSTALLED_APPS, "django_rq"]  # noqa: F405
    RQ_QUEUES = {name: {"URL": os.environ["REDIS_URL"]} for name in TASK_QUEUES}  # noqa: F405
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": TASK_QUEUES}}  # noqa: F405
LOGGING = {"version": 1, "disable_existing_loggers": False}

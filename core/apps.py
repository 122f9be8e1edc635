from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Journal et services communs"

    def ready(self):
        # Production settings need the shared cache: without it each web process would keep its own rate limits and
        # login limits (README, "Deployment"). Checked at start-up, by gunicorn and manage.py alike.
        if getattr(settings, "SHARED_CACHE_REQUIRED", False) and not settings.REDIS_URL:
            raise ImproperlyConfigured(
                "REDIS_URL is required with the production settings: the cache, the API throttle and the login "
                "limits must be shared by every web process. Set it to the Redis server, e.g. "
                "REDIS_URL=redis://127.0.0.1:6379/0 (development settings run without it)."
            )

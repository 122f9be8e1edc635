from django.conf import settings
from rest_framework.throttling import AnonRateThrottle


class AnonymousThrottle(AnonRateThrottle):
    """Anonymous API requests per client address, at the API_ANONYMOUS_RATE setting (read per request)."""

    def get_rate(self):
        return settings.API_ANONYMOUS_RATE

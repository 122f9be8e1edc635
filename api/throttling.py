import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import AnonRateThrottle


class AnonymousThrottle(AnonRateThrottle):
    """Anonymous API requests per client address, at the API_ANONYMOUS_RATE setting (read per request).

    DRF's own throttle reads the request history, then writes it back: two processes (or threads) answering at the
    same moment both read the old history, and the limit leaks (21 answers instead of 10 in a test with two
    gunicorn workers). Here the count is one atomic increment in the shared cache (Redis INCR): a window opens
    with the client's first request and lasts the rate's period; at most `num_requests` pass in it."""

    def get_rate(self):
        return settings.API_ANONYMOUS_RATE

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        count_key, opened_key = f"{self.key}:count", f"{self.key}:opened"
        now = time.time()
        for _ in range(3):  # the window may expire between creating and incrementing its counter
            if cache.add(count_key, 0, timeout=self.duration):
                cache.set(opened_key, now, timeout=self.duration)
            try:
                count = cache.incr(count_key)
                break
            except ValueError:
                continue
        else:
            return True
        if count <= self.num_requests:
            return True
        self.opened = cache.get(opened_key, now)
        self.now = now
        return False

    def wait(self):
        return max(self.duration - (self.now - self.opened), 1)

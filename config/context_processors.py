from django.conf import settings


def portal(request):
    """Names shown by the layout on every page."""
    return {
        "portal_site_name": settings.PORTAL_SITE_NAME,
        "portal_region_name": settings.PORTAL_REGION_NAME,
    }

from django.conf import settings


def portal(request):
    """Names shown by the layout on every page."""
    return {
        "portal_site_name": settings.PORTAL_SITE_NAME,
        "portal_region_name": settings.PORTAL_REGION_NAME,
        "stale_after_days": settings.SESSION_STALE_AFTER_DAYS,
        "portal_contact_email": settings.PORTAL_CONTACT_EMAIL,
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }

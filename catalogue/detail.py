"""What the detail page of an action shows, and its schema.org description."""

import json
from datetime import UTC

from django.db.models import F
from django.utils import timezone
from django.utils.safestring import mark_safe

from sessions.models import TrainingSession

from .choices import TeachingMode
from .search.results import SessionLine

COURSE_MODE = {TeachingMode.ON_SITE: "onsite", TeachingMode.BLENDED: "blended", TeachingMode.REMOTE: "online"}


def listed_sessions(action, *, today):
    """The sessions the public sees for an action: the search's freshness rule, undated ones included."""
    return (
        TrainingSession.objects.filter(action=action, is_published=True)
        .listed(today, include_undated=True)
        .select_related("place__commune")
        .order_by(F("start_date").asc(nulls_last=True), "pk")
    )


def session_lines(sessions) -> list[SessionLine]:
    now = timezone.now()
    return [SessionLine(session, session.status(now=now), None) for session in sessions]


def json_ld(*, action, sessions, url: str) -> str:
    """schema.org Course with one CourseInstance per session, safe to put inside a <script> element."""
    formation = action.formation
    organism = formation.organism
    course = {
        "@context": "https://schema.org",
        "@type": "Course",
        "name": formation.title,
        "description": formation.objectives,
        "url": url,
        "inLanguage": "fr",
        "provider": {"@type": "Organization", "name": organism.usual_name, "legalName": organism.legal_name},
        "hasCourseInstance": [],
    }
    if organism.website:
        course["provider"]["url"] = organism.website
    if formation.is_certifying and formation.certification_code:
        course["educationalCredentialAwarded"] = formation.certification_code
    if action.price is not None:
        course["offers"] = {"@type": "Offer", "price": str(action.price), "priceCurrency": "EUR", "category": "Paid"}
        if action.price == 0:
            course["offers"]["category"] = "Free"
    for session in sessions:
        instance = {"@type": "CourseInstance", "courseMode": COURSE_MODE[action.teaching_mode]}
        if session.start_date:
            instance["startDate"] = session.start_date.isoformat()
        if session.end_date:
            instance["endDate"] = session.end_date.isoformat()
        if action.hours_total:
            instance["courseWorkload"] = f"PT{action.hours_total}H"
        if session.place_id:
            place = session.place
            instance["location"] = {
                "@type": "Place",
                "name": place.name or place.commune.name,
                "address": {
                    "@type": "PostalAddress",
                    "streetAddress": place.street,
                    "postalCode": place.postcode,
                    "addressLocality": place.commune.name,
                    "addressCountry": "FR",
                },
                "geo": {"@type": "GeoCoordinates", "latitude": place.latitude, "longitude": place.longitude},
            }
        else:
            instance["location"] = {"@type": "VirtualLocation", "url": url}
        course["hasCourseInstance"].append(instance)
    text = json.dumps(course, ensure_ascii=False, indent=1)
    return mark_safe(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def utc_now():
    return timezone.now().astimezone(UTC)

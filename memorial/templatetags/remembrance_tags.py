from django import template
from django.conf import settings
from django.urls import reverse

from memorial import remembrance, timezones
from memorial.models import Visibility

register = template.Library()


@register.simple_tag
def remembrance_for(memorial) -> dict:
    """Today's remembrance days and the next ones, where the family is (memorial/remembrance.py),
    and the public calendar's addresses for a public memorial."""
    summary = remembrance.page_summary(memorial, today=timezones.today_for(memorial))
    if memorial.visibility == Visibility.PUBLIC and (summary["today"] or summary["upcoming"]):
        https = settings.SITE_URL + reverse("memorial:calendar_feed", args=[memorial.slug])
        summary["feed_url"] = https
        summary["webcal_url"] = "webcal://" + https.split("://", 1)[-1]
    return summary


@register.simple_tag
def reminder_recipients(memorial):
    """The members who get the memorial's reminders by e-mail (for its managers)."""
    from memorial.reminders import recipients

    return recipients(memorial)

from django import template

from memorial.markdown import render_markdown

register = template.Library()


@register.filter
def markdown(text):
    return render_markdown(text)


@register.filter
def life_dates(memorial):
    born, died = memorial.born_display, memorial.died_display
    if born and died:
        return f"{born} – {died}"
    if died:
        return f"– {died}"
    return born


@register.filter
def time_zone_of(memorial):
    """The memorial's time zone, for ``{% timezone memorial|time_zone_of %}``: a page about a
    memorial shows its times on the family's clock; any other page (None), the site's."""
    from memorial.models import Memorial
    from memorial.timezones import zone_of

    return zone_of(memorial) if isinstance(memorial, Memorial) else None

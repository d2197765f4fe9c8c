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

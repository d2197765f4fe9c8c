from django.urls import register_converter


class UnicodeSlugConverter:
    """Slugs of memorials keep Hangul and other scripts: 김민준-3f9a1c2b."""

    regex = r"[-\w]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


# Registered once, on the first import (by memorial.urls and generation.urls alike).
register_converter(UnicodeSlugConverter, "uslug")

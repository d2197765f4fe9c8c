"""Tribute texts: the facts a writer may use, and the writers behind one small interface.

from generation.text import TributeFacts, get_writer
tribute = get_writer().write(facts)     # -> WrittenTribute(text, language, writer, fallback_reason)
"""

from generation.text.facts import TributeFacts
from generation.text.writers import Writer, WrittenTribute, get_writer

__all__ = ["TributeFacts", "WrittenTribute", "Writer", "get_writer"]

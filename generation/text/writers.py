"""One small interface for tribute writers, and the choice of writer from settings.

    TRIBUTE_WRITER         "builtin" (default) or "llm"
    TRIBUTE_LLM_BASE_URL   e.g. "http://llm.internal:8000/v1" (an OpenAI-compatible server)
    TRIBUTE_LLM_MODEL      the model name that server knows
    TRIBUTE_LLM_API_KEY    optional bearer token
    TRIBUTE_LLM_TIMEOUT    seconds for one answer, default 20

An LLM writer never fails the job: on any error it hands back the built-in writer's text
with ``fallback_reason`` saying what went wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from generation.text.facts import TributeFacts


@dataclass(frozen=True)
class WrittenTribute:
    text: str
    language: str
    writer: str  # "builtin" or "llm:<model>"
    fallback_reason: str  # "" when none


class Writer(Protocol):
    name: str

    def write(self, facts: TributeFacts) -> WrittenTribute: ...


def get_writer() -> Writer:
    from generation.text.builtin import BuiltinWriter

    kind = getattr(settings, "TRIBUTE_WRITER", "builtin") or "builtin"
    if kind == "builtin":
        return BuiltinWriter()
    if kind == "llm":
        from generation.text.llm import LLMWriter

        base_url = getattr(settings, "TRIBUTE_LLM_BASE_URL", "") or ""
        model = getattr(settings, "TRIBUTE_LLM_MODEL", "") or ""
        missing = [n for n, v in (("TRIBUTE_LLM_BASE_URL", base_url), ("TRIBUTE_LLM_MODEL", model)) if not v]
        if missing:
            raise ImproperlyConfigured(f"TRIBUTE_WRITER='llm' needs {' and '.join(missing)}")
        timeout = getattr(settings, "TRIBUTE_LLM_TIMEOUT", 20)
        try:
            timeout = float(timeout)
        except (TypeError, ValueError):
            raise ImproperlyConfigured(f"TRIBUTE_LLM_TIMEOUT must be a number of seconds, not {timeout!r}") from None
        if timeout <= 0:
            raise ImproperlyConfigured(f"TRIBUTE_LLM_TIMEOUT must be positive, not {timeout!r}")
        return LLMWriter(
            base_url=base_url,
            model=model,
            api_key=getattr(settings, "TRIBUTE_LLM_API_KEY", "") or "",
            timeout=timeout,
        )
    raise ImproperlyConfigured(f"TRIBUTE_WRITER must be 'builtin' or 'llm', not {kind!r}")

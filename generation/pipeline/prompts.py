"""The prompt a style paints with, fitted to the pipeline's own CLIP tokenizer.

Stable Diffusion 1.5 reads at most ``tokenizer.model_max_length`` tokens (77, the start and
end tokens included); diffusers cuts the rest. A style's trigger words are what call up its
LoRA, so they must always fall inside that window; the subject is what gives way.

- The subject is the member's short English phrase, or ``NEUTRAL_SUBJECT``. The photo's
  caption (often Korean) never comes here: CLIP's tokenizer cannot read it.
- A template with ``{subject}`` gets it there; one without gets ``", <subject>"`` at its end.
- A template with ``{trigger}`` gets the trigger words there; one without gets them first.
- Too long for the window: the subject loses words from its end until the prompt fits. If it
  still does not fit, the trigger words must at least be inside the window; where the words
  before them push them out, the prompt starts with them instead.

No torch here: only the tokenizer object is used (it is passed in).
"""

from __future__ import annotations

import re

NEUTRAL_SUBJECT = "a portrait of a person"
SUBJECT = "{subject}"
TRIGGER = "{trigger}"
CLIP_WINDOW = 77  # when the tokenizer does not say


def window_of(tokenizer) -> int:
    """How many tokens the text encoder reads, start and end tokens included."""
    size = getattr(tokenizer, "model_max_length", None)
    return size if isinstance(size, int) and 0 < size < 100_000 else CLIP_WINDOW


def count_tokens(tokenizer, text: str) -> int:
    """Tokens ``text`` takes in the encoder's window, start and end tokens included."""
    try:
        special = tokenizer.num_special_tokens_to_add(pair=False)
    except (AttributeError, TypeError):
        special = 2
    return len(tokenizer.tokenize(text)) + special


def tidy(text: str) -> str:
    """One line, no empty comma-separated parts, no stray commas at either end."""
    parts = [" ".join(part.split()) for part in text.split(",")]
    return ", ".join(part for part in parts if part)


def build_prompt(template: str, *, trigger: str, subject: str | None, tokenizer) -> str:
    """The style's prompt for ``subject`` (``NEUTRAL_SUBJECT`` when empty), fitted to the window
    of ``tokenizer`` by trimming the subject, never the trigger words."""
    trigger = " ".join((trigger or "").split())
    subject = " ".join((subject or "").split()) or NEUTRAL_SUBJECT
    template = template or ""
    if SUBJECT not in template:
        template = f"{template}, {SUBJECT}"
    if trigger and TRIGGER not in template:
        template = f"{TRIGGER}, {template}"

    window = window_of(tokenizer)
    words = subject.split()
    prompt = ""
    for kept in range(len(words), -1, -1):  # the whole subject first, then a word less each time
        prompt = _render(template, trigger, " ".join(words[:kept]))
        if count_tokens(tokenizer, prompt) <= window:
            return prompt
    # Even without a subject the prompt is longer than the window: the end is cut by CLIP,
    # which is fine as long as the trigger words are not in that end.
    if trigger and count_tokens(tokenizer, _up_to_trigger(template, trigger)) > window:
        rest = _render(template.replace(TRIGGER, ""), trigger, "")
        prompt = tidy(f"{trigger}, {rest}")
    return prompt


_SLOTS = re.compile(re.escape(SUBJECT) + "|" + re.escape(TRIGGER))


def _render(template: str, trigger: str, subject: str) -> str:
    """Both slots filled in one pass (what fills one slot is never read as the other)."""
    return tidy(_SLOTS.sub(lambda m: subject if m.group(0) == SUBJECT else trigger, template))


def _up_to_trigger(template: str, trigger: str) -> str:
    """The prompt without a subject, as far as the end of the (first) trigger words."""
    head = template.split(TRIGGER, 1)[0]
    return tidy(head.replace(SUBJECT, "") + ", " + trigger)

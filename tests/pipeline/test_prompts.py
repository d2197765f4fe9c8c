"""The prompt CLIP reads: English only (the photo's Korean caption never reaches it), and the
style's trigger words always inside the 77-token window, counted with the pipeline's own
tokenizer (here the tiny models' byte-level one, where every character is a token, so a
long subject really does overflow the window)."""

import re

import pytest
from transformers import CLIPTokenizer

from generation import services, tasks
from generation.models import Artwork, Style
from generation.pipeline import loader
from generation.pipeline.config import ModelConfig
from generation.pipeline.prompts import NEUTRAL_SUBJECT, build_prompt, count_tokens
from memorial import photos as photo_service
from tests.conftest import jpeg_upload

HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")
WINDOW = 77
TEMPLATE = "a watercolor painting of {subject}, {trigger}, soft washes"
LONG_SUBJECT = "an old woman smiling by the sea with her grandchildren and a small white dog at dusk"


@pytest.fixture(scope="module")
def tokenizer(tiny_models):
    """The tokenizer as the pipeline loads it: from the tiny base model's folder."""
    return CLIPTokenizer.from_pretrained(f"{tiny_models.paths['base']}/tokenizer")


def inside_window(tokenizer, prompt: str) -> str:
    """What CLIP reads of ``prompt``: the text of its first 77 tokens, as diffusers cuts them."""
    ids = tokenizer(prompt, truncation=True, max_length=tokenizer.model_max_length).input_ids
    return tokenizer.decode(ids, skip_special_tokens=True)


def test_the_window_is_the_pipelines_own(tokenizer):
    assert tokenizer.model_max_length == WINDOW
    assert count_tokens(tokenizer, "ab cd") == len(tokenizer("ab cd").input_ids)


def test_a_short_subject_fills_the_styles_slot_whole(tokenizer):
    prompt = build_prompt(TEMPLATE, trigger="wtrclr", subject="an old woman", tokenizer=tokenizer)
    assert prompt == "a watercolor painting of an old woman, wtrclr, soft washes"


def test_without_a_subject_the_painter_is_given_a_neutral_one(tokenizer):
    prompt = build_prompt("{subject}, {trigger}", trigger="wtrclr", subject="", tokenizer=tokenizer)
    assert prompt == f"{NEUTRAL_SUBJECT}, wtrclr"


def test_a_long_subject_is_trimmed_so_the_trigger_stays_inside_77_tokens(tokenizer):
    untrimmed = TEMPLATE.replace("{subject}", LONG_SUBJECT).replace("{trigger}", "wtrclr")
    assert count_tokens(tokenizer, untrimmed) > WINDOW  # so the rule has something to do
    assert "wtrclr" not in inside_window(tokenizer, untrimmed)  # the trigger would be cut off

    prompt = build_prompt(TEMPLATE, trigger="wtrclr", subject=LONG_SUBJECT, tokenizer=tokenizer)
    assert count_tokens(tokenizer, prompt) <= WINDOW
    assert "wtrclr" in inside_window(tokenizer, prompt)
    assert prompt.startswith("a watercolor painting of an old woman smiling")  # the subject's start is kept
    assert prompt.endswith(", wtrclr, soft washes")
    assert LONG_SUBJECT not in prompt


def test_a_template_without_slots_gets_the_trigger_first_and_the_subject_last(tokenizer):
    prompt = build_prompt("an ink wash painting, hanji", trigger="inkwsh", subject="a man", tokenizer=tokenizer)
    assert prompt == "inkwsh, an ink wash painting, hanji, a man"
    long = build_prompt("an ink wash painting, hanji", trigger="inkwsh", subject=LONG_SUBJECT, tokenizer=tokenizer)
    assert long.startswith("inkwsh, ") and count_tokens(tokenizer, long) <= WINDOW


def test_words_before_the_trigger_that_fill_the_window_give_the_trigger_the_first_place(tokenizer):
    template = "a very detailed and finely drawn and carefully composed painting of {subject}, " * 2 + "{trigger}"
    prompt = build_prompt(template, trigger="wtrclr", subject="a man", tokenizer=tokenizer)
    assert prompt.startswith("wtrclr, ")
    assert "wtrclr" in inside_window(tokenizer, prompt)


def test_a_subject_cannot_reach_into_the_template(tokenizer):
    prompt = build_prompt("{subject}, {trigger}", trigger="wtrclr", subject="a {trigger} man", tokenizer=tokenizer)
    assert prompt == "a {trigger} man, wtrclr"


# --- The worker's job: the prompt the loaded pipeline is really called with ----------------------


@pytest.fixture
def painting(settings, tiny_models):
    settings.ARTWORK_MODELS = tiny_models.artwork_models
    settings.ARTWORK_LONG_SIDE = 64
    return tiny_models


@pytest.fixture
def korean_photo(family):
    memorial = family.memorial("private", full_name="김순자", language="ko")
    photo, _ = photo_service.add_photo(
        album=memorial.albums.get(),
        upload=jpeg_upload(size=(96, 64)),
        by=family.owner,
        caption="바닷가에서 웃는 할머니",
    )
    return photo


@pytest.fixture
def style(db):
    # No ControlNets (scale 0): plain img2img on the tiny models, quick; the prompt is the same.
    return Style.objects.create(
        name="Watercolor",
        slug="watercolor",
        trigger_words="wtrclr",
        prompt_template=TEMPLATE,
        steps=2,
        strength=0.5,
        openpose_scale=0,
        depth_scale=0,
        mlsd_scale=0,
    )


@pytest.fixture
def prompts_read(painting, monkeypatch):
    """Every text the loaded pipeline's tokenizer is asked to read while the job paints."""
    pipe = loader.get_models(ModelConfig.from_settings()).pipe
    cls = type(pipe.tokenizer)
    original = cls.__call__
    read = []

    def reading(self, text=None, *args, **kwargs):
        if self is pipe.tokenizer:
            read.extend([text] if isinstance(text, str) else list(text or []))
        return original(self, text, *args, **kwargs)

    monkeypatch.setattr(cls, "__call__", reading)
    return read


@pytest.mark.django_db
def test_a_korean_caption_never_reaches_the_prompt_the_pipeline_reads(prompts_read, family, korean_photo, style):
    job = services.request_artwork(photo=korean_photo, style=style, by=family.owner)
    assert tasks.run_stylization(job.pk) == "succeeded"
    prompt = f"a watercolor painting of {NEUTRAL_SUBJECT}, wtrclr, soft washes"
    assert prompt in prompts_read
    assert not any(HANGUL.search(text) for text in prompts_read)
    artwork = Artwork.objects.get(job=job)
    assert artwork.parameters["prompt"] == prompt


@pytest.mark.django_db
def test_the_pipeline_reads_a_members_long_subject_trimmed_with_the_trigger_inside_77_tokens(
    prompts_read, family, korean_photo, style
):
    job = services.request_artwork(photo=korean_photo, style=style, by=family.owner, subject=LONG_SUBJECT[:80])
    assert tasks.run_stylization(job.pk) == "succeeded"
    pipe = loader.get_models(ModelConfig.from_settings()).pipe
    prompts = [text for text in prompts_read if text]  # the negative prompt comes too
    prompt = Artwork.objects.get(job=job).parameters["prompt"]
    assert prompt in prompts and prompt.startswith("a watercolor painting of an old woman smiling")
    assert count_tokens(pipe.tokenizer, prompt) <= WINDOW
    assert "wtrclr" in inside_window(pipe.tokenizer, prompt)

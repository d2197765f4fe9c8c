"""Tribute texts: the built-in writer in Korean and English, and the LLM writer against a real
HTTP server on 127.0.0.1 that speaks the OpenAI chat-completions format."""

from __future__ import annotations

import datetime
import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ImproperlyConfigured

from generation.text import TributeFacts, WrittenTribute, get_writer
from generation.text.builtin import BuiltinWriter, attach, final_sound
from generation.text.llm import LLMWriter

SENTENCE_END = re.compile(r"(?<=[.?])\s+")  # the writer ends sentences with "."; "…" marks a shortened field


def sentences(text: str) -> list[str]:
    return [s for s in SENTENCE_END.split(text.strip()) if s]


def facts(**overrides) -> TributeFacts:
    values = dict(
        full_name="김민준",
        name_other_script="Kim Min-jun",
        birth=1950,
        death=datetime.date(2023, 11, 5),
        place="부산",
        photo_caption="제주 바닷가에서",
        photo_taken=datetime.date(2019, 10, 3),
        album_title="가족 여행",
        style_name="수채화",
        language="ko",
        variant_seed=0,
    )
    values.update(overrides)
    return TributeFacts(**values)


def english(**overrides) -> TributeFacts:
    values = dict(
        language="en",
        style_name="watercolor",
        photo_caption="By the sea in Jeju",
        album_title="Family trips",
        place="Busan",
    )
    values.update(overrides)
    return facts(**values)


def write(f: TributeFacts) -> WrittenTribute:
    return BuiltinWriter().write(f)


def assert_dignified(result: WrittenTribute, language: str) -> None:
    limit = {"ko": 400, "en": 600}[language]
    assert result.language == language
    assert result.writer == "builtin" and result.fallback_reason == ""
    assert 2 <= len(sentences(result.text)) <= 4, result.text
    assert len(result.text) <= limit, result.text
    assert "!" not in result.text and "None" not in result.text and "AI" not in result.text
    assert "  " not in result.text and result.text == result.text.strip()


# --- Korean particles ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "particle", "expected"),
    [
        ("김민준", "는", "김민준은"),
        ("이영희", "은", "이영희는"),
        ("김민준", "가", "김민준이"),
        ("이영희", "이", "이영희가"),
        ("김민준", "를", "김민준을"),
        ("이영희", "을", "이영희를"),
        ("김민준", "와", "김민준과"),
        ("이영희", "과", "이영희와"),
        ("부산", "로", "부산으로"),
        ("바다", "으로", "바다로"),
        ("연필", "으로", "연필로"),
        ("제주 바닷가’", "라는", "제주 바닷가’라는"),
        ("가족 여행’", "라는", "가족 여행’이라는"),
        ("김민준(Kim Min-jun)", "은", "김민준(Kim Min-jun)은"),
        ("이영희(Lee Young-hee)", "은", "이영희(Lee Young-hee)는"),
        ("John", "은", "John은"),
        ("Mary", "은", "Mary는"),
        ("Paul", "으로", "Paul로"),
        ("2023", "은", "2023은"),
        ("2022", "은", "2022는"),
        ("7", "으로", "7로"),
        ("金", "은", "金은(는)"),
        ("金", "으로", "金(으)로"),
    ],
)
def test_korean_particles_follow_the_final_consonant(word, particle, expected):
    assert attach(word, particle) == expected


def test_final_sound_reads_hangul_syllables():
    assert final_sound("준") == "batchim"
    assert final_sound("희") == "open"
    assert final_sound("울") == "rieul"
    assert final_sound("") is None and final_sound("…") is None


# --- The built-in writer in Korean ---------------------------------------------------------

PARTICLE = "(은|는|이|가|을|를|과|와)(?=\\s)"


@pytest.mark.parametrize(
    ("name", "allowed"),
    [("김민준", {"은", "이", "을", "과"}), ("이영희", {"는", "가", "를", "와"})],
)
def test_korean_tributes_use_the_right_particles_after_the_name(name, allowed):
    seen = set()
    for seed in range(40):
        result = write(facts(full_name=name, name_other_script=None, variant_seed=seed))
        assert_dignified(result, "ko")
        assert name in result.text
        for particle in re.findall(re.escape(name) + PARTICLE, result.text):
            assert particle in allowed, result.text
            seen.add(particle)
        # after the honorific 님 (final ㅁ) always the consonant forms
        for particle in re.findall("님" + PARTICLE, result.text):
            assert particle in {"은", "이", "을", "과"}, result.text
    assert len(seen) >= 3, f"only {seen} appeared after {name} in 40 tributes"


@pytest.mark.parametrize(("style", "joined"), [("수채화", "수채화로"), ("먹선", "먹선으로"), ("연필", "연필로")])
def test_korean_style_takes_euro_or_ro(style, joined):
    texts = [write(facts(style_name=style, variant_seed=seed)).text for seed in range(30)]
    with_particle = [t for t in texts if re.search(re.escape(style) + "(으로|로)", t)]
    assert with_particle, "no template joined the style with (으)로"
    assert all(joined in t for t in with_particle)


def test_korean_tribute_with_unknown_dates_and_no_photo_facts_reads_whole():
    for seed in range(20):
        result = write(
            facts(
                full_name="이영희",
                name_other_script=None,
                birth=None,
                death=None,
                place=None,
                photo_caption=None,
                photo_taken=None,
                album_title=None,
                variant_seed=seed,
            )
        )
        assert_dignified(result, "ko")
        for absent in ("년", "None", "‘’", "()", "알 수 없", "미상"):
            assert absent not in result.text, result.text


def test_korean_tribute_with_only_a_death_year():
    texts = {write(facts(birth=None, death=2021, variant_seed=seed)).text for seed in range(20)}
    assert any("2021년" in t for t in texts)
    assert not any("태어" in t for t in texts)


def test_korean_uses_the_other_script_name_once_and_full_dates():
    texts = [write(facts(variant_seed=seed)).text for seed in range(20)]
    assert all(t.count("Kim Min-jun") <= 1 for t in texts)
    assert any("2023년 11월 5일" in t or "1950–2023" in t for t in texts)


# --- The built-in writer in English --------------------------------------------------------


def test_english_tribute_prefers_the_latin_name_and_is_dignified():
    for seed in range(20):
        result = write(english(variant_seed=seed))
        assert_dignified(result, "en")
        assert "Kim Min-jun" in result.text
        assert result.text.count("김민준") <= 1


def test_english_tribute_with_unknown_dates_and_nothing_about_the_photo():
    for seed in range(20):
        result = write(
            english(
                full_name="Mary Ellen Smith",
                name_other_script=None,
                birth=None,
                death=None,
                place=None,
                photo_caption=None,
                photo_taken=None,
                album_title=None,
                variant_seed=seed,
            )
        )
        assert_dignified(result, "en")
        assert "Mary Ellen Smith" in result.text
        for absent in ("born", "left us", "passed away", "()", "“”", "unknown"):
            assert absent not in result.text, result.text


def test_english_full_dates_read_naturally():
    texts = [write(english(birth=datetime.date(1950, 3, 2), variant_seed=seed)).text for seed in range(30)]
    dated = [t for t in texts if "March 2, 1950" in t]
    assert dated
    assert not any("in March 2, 1950" in t for t in texts)


@pytest.mark.parametrize("language", ["ko", "en"])
def test_ten_artworks_of_one_memorial_read_differently_but_each_is_reproducible(language):
    make = facts if language == "ko" else english
    texts = [write(make(variant_seed=seed)).text for seed in range(10)]
    assert len(set(texts)) >= 5
    assert [write(make(variant_seed=seed)).text for seed in range(10)] == texts


@pytest.mark.parametrize("language", ["ko", "en"])
def test_long_fields_and_html_in_the_caption_stay_within_limits(language):
    caption = "<script>alert('x')</script> <b>" + "아주 긴 설명 " * 300 + "</b>"
    for seed in range(20):
        result = write(
            facts(
                language=language,
                full_name="Alexandria " * 20,
                name_other_script="가나다라마바사" * 20,
                place="<img src=x onerror=alert(1)>" * 10,
                photo_caption=caption,
                album_title="앨범 " * 100,
                style_name="Impressionist oil painting with thick impasto " * 5,
                variant_seed=seed,
            )
        )
        assert_dignified(result, language)
        assert "&lt;" not in result.text  # the writer does not escape: the template does


def test_facts_refuse_what_a_writer_cannot_use():
    with pytest.raises(ValueError, match="language"):
        facts(language="fr")
    with pytest.raises(ValueError, match="birth"):
        facts(birth="1950")
    with pytest.raises(ValueError, match="full_name"):
        facts(full_name="  ")


# --- Choosing a writer ---------------------------------------------------------------------


def test_builtin_is_the_default_writer(settings):
    if hasattr(settings, "TRIBUTE_WRITER"):
        del settings.TRIBUTE_WRITER
    assert get_writer().write(facts()).writer == "builtin"


def test_llm_writer_needs_its_settings(settings):
    settings.TRIBUTE_WRITER = "llm"
    settings.TRIBUTE_LLM_BASE_URL = ""
    settings.TRIBUTE_LLM_MODEL = "m"
    with pytest.raises(ImproperlyConfigured, match="TRIBUTE_LLM_BASE_URL"):
        get_writer()
    settings.TRIBUTE_WRITER = "poet"
    with pytest.raises(ImproperlyConfigured, match="TRIBUTE_WRITER"):
        get_writer()


# --- The LLM writer against a real server --------------------------------------------------

KOREAN_ANSWER = "김민준 님을 기억하며 이 그림을 바칩니다. 제주 바닷가의 빛을 수채화로 담았습니다."


class FakeChatServer:
    """An OpenAI-compatible chat-completions server on 127.0.0.1 whose answers a test sets."""

    def __init__(self):
        self.mode = "ok"
        self.content: object = KOREAN_ANSWER
        self.requests: list[dict] = []
        self.stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                server.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "json": json.loads(body or b"null")}
                )
                if server.mode == "slow":
                    server.stop.wait(3)
                    return self.reply(200, {"choices": [{"message": {"content": KOREAN_ANSWER}}]})
                if server.mode in ("drip", "huge"):
                    answer = {"choices": [{"message": {"content": KOREAN_ANSWER}, "finish_reason": "stop"}]}
                    data = json.dumps(answer).encode() if server.mode == "drip" else b" " * (2 * 1024 * 1024)
                    try:
                        self.send_response(200)
                        self.send_header("Content-Type", "application/json")
                        self.send_header("Content-Length", str(len(data)))
                        self.end_headers()
                        if server.mode == "huge":
                            return self.wfile.write(data)
                        for byte in data:  # a byte every 0.1 s: each read is quick, the answer never comes
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                            if server.stop.wait(0.1):
                                return
                    except OSError:
                        return  # the client gave up
                if server.mode == "500":
                    return self.reply(500, {"error": {"message": "model crashed"}})
                if server.mode == "not-json":
                    return self.reply(200, b"<html>upstream says hello</html>")
                if server.mode == "wrong-shape":
                    return self.reply(200, {"result": "김민준 님을 기억합니다."})
                return self.reply(
                    200,
                    {
                        "id": "chatcmpl-1",
                        "object": "chat.completion",
                        "model": "tiny-model",
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": server.content},
                                "finish_reason": "stop",
                            }
                        ],
                    },
                )

            def reply(self, status, payload):
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up (the timeout test)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def chat_server():
    with FakeChatServer() as server:
        yield server


@pytest.fixture
def llm_settings(settings, chat_server):
    settings.TRIBUTE_WRITER = "llm"
    settings.TRIBUTE_LLM_BASE_URL = chat_server.url
    settings.TRIBUTE_LLM_MODEL = "tiny-model"
    settings.TRIBUTE_LLM_API_KEY = "sk-test"
    settings.TRIBUTE_LLM_TIMEOUT = 0.5
    return settings


def test_llm_answer_is_used(llm_settings, chat_server):
    result = get_writer().write(facts())
    assert result == WrittenTribute(text=KOREAN_ANSWER, language="ko", writer="llm:tiny-model", fallback_reason="")
    (request,) = chat_server.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["Authorization"] == "Bearer sk-test"
    body = request["json"]
    assert body["model"] == "tiny-model"
    assert set(body) == {"model", "messages", "temperature", "max_tokens"}
    prompt = body["messages"][-1]["content"]
    assert "김민준" in prompt and "제주 바닷가에서" in prompt and "수채화" in prompt and "Korean" in prompt
    assert "None" not in prompt


def test_llm_answer_is_cleaned_of_quotes_and_markdown(llm_settings, chat_server):
    chat_server.content = f"**“{KOREAN_ANSWER}”**\n"
    assert get_writer().write(facts()).text == KOREAN_ANSWER


def test_llm_prompt_leaves_out_unknown_facts(llm_settings, chat_server):
    get_writer().write(english(birth=None, death=None, photo_caption=None, place=None))
    prompt = chat_server.requests[0]["json"]["messages"][-1]["content"]
    assert "Born" not in prompt and "Died" not in prompt and "caption" not in prompt and "English" in prompt


def assert_fell_back(result: WrittenTribute, f: TributeFacts, *words: str) -> None:
    assert result.writer == "builtin"
    assert result.text == BuiltinWriter().write(f).text
    assert result.fallback_reason.startswith("llm:tiny-model: ")
    for word in words:
        assert word in result.fallback_reason, result.fallback_reason


def test_llm_answering_too_slowly_falls_back(llm_settings, chat_server):
    chat_server.mode = "slow"
    started = time.monotonic()
    result = get_writer().write(facts())
    assert time.monotonic() - started < 2.5
    assert_fell_back(result, facts(), "timeout", "0.5 s")


def test_llm_dripping_its_answer_byte_by_byte_falls_back_in_time(llm_settings, chat_server):
    chat_server.mode = "drip"
    started = time.monotonic()
    result = get_writer().write(facts())
    assert time.monotonic() - started < 2.0  # TRIBUTE_LLM_TIMEOUT is 0.5 s for the whole answer
    assert_fell_back(result, facts(), "timeout", "0.5 s")


def test_llm_answer_far_too_large_falls_back(llm_settings, chat_server):
    chat_server.mode = "huge"
    assert_fell_back(get_writer().write(facts()), facts(), "larger than 256 KB")


def test_llm_answering_500_falls_back(llm_settings, chat_server):
    chat_server.mode = "500"
    assert_fell_back(get_writer().write(facts()), facts(), "HTTP 500", "model crashed")


@pytest.mark.parametrize(("mode", "reason"), [("not-json", "not JSON"), ("wrong-shape", "choices")])
def test_llm_answering_garbage_falls_back(llm_settings, chat_server, mode, reason):
    chat_server.mode = mode
    assert_fell_back(get_writer().write(facts()), facts(), reason)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        (None, "not text"),
        ("김민준 님을 기억합니다. " * 60, "over the limit"),
        ("I remember him. He was kind. He loved the sea.", "not in Korean"),
        ("- 김민준 님을 기억합니다.\n- 수채화로 그렸습니다.", "list"),
        ("AI 언어 모델로서 말씀드리면, 김민준 님을 기억합니다.", "itself"),
    ],
)
def test_llm_unusable_content_falls_back(llm_settings, chat_server, content, reason):
    chat_server.content = content
    assert_fell_back(get_writer().write(facts()), facts(), reason)


def test_llm_server_not_listening_falls_back(settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    writer = LLMWriter(base_url=f"http://127.0.0.1:{port}/v1", model="tiny-model", timeout=2)
    result = writer.write(facts())
    assert_fell_back(result, facts(), "connection")

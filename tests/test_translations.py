"""The Korean catalogue is complete, keeps every placeholder, and is compiled.

The site must read fully in Korean and English (English is the source language), so:

* every entry of ``locale/ko/LC_MESSAGES/django.po`` is translated and none is fuzzy;
* every placeholder of a msgid (``%(name)s``, ``%(count)d``, ``{value}``) is in its msgstr, and
  the msgstr has no placeholder the code does not fill;
* ``django.mo`` holds exactly what ``django.po`` says (no forgotten ``compilemessages``);
* every string marked for translation in the code and templates is in the catalogue (no
  forgotten ``makemessages``);
* Django really answers in Korean through ``translation.override("ko")``.

The .po is read with the small parser below: plain Python, no new dependency.
"""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.template import Context, Template
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "ko" / "LC_MESSAGES"
PO_FILE = LOCALE_DIR / "django.po"
MO_FILE = LOCALE_DIR / "django.mo"

# What `manage.py makemessages -l ko --ignore=...` leaves out, plus what is never source.
IGNORED = [
    ".venv",
    "tests",
    "bench",
    "node_modules",
    "locale",
    ".git",
    "static",
    "staticfiles",
    "media",
    "private-media",
    "models",
    "test-artifacts",
    "build",
    "__pycache__",
    ".hypothesis",
    ".pytest_cache",
    ".ruff_cache",
    "*.egg-info",
    "db.sqlite3*",
]

# msgids whose Korean is rightly the same text (technical names with no Korean word).
SAME_IN_KOREAN = {"fp32", "AdamW (torch)"}

HANGUL = re.compile(r"[\uac00-\ud7a3]")
PYTHON_FORMAT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")
BRACE_FORMAT = re.compile(r"\{\{|\}\}|\{[^{}]*\}")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)
    obsolete: bool = False

    @property
    def where(self) -> str:
        return " ".join(self.references) or repr(self.msgid)

    @property
    def key(self) -> str:
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), f"not a quoted string: {text}"
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), text[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """The entries of a .po file, header included (its msgid is "")."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int | None] | None = None  # which string the continuation lines extend

    def finish():
        nonlocal current, target
        if current is not None and target is not None:
            entries.append(current)
        current, target = None, None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            if current is None:
                current = Entry()
            current.obsolete = True
            line = line[2:].strip()
            if not line or line.startswith("|"):
                continue
        elif line.startswith("#"):
            if target is not None:  # a comment after the strings starts the next entry
                finish()
            current = current or Entry()
            if line.startswith("#,"):
                current.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            elif line.startswith("#:"):
                current.references += line[2:].split()
            continue
        current = current or Entry()
        match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(\".*\")$", line)
        if match:
            keyword, index, value = match.group(1), match.group(2), _unquote(match.group(3))
            if keyword == "msgstr":
                target = ("msgstr", int(index or 0))
                current.msgstr[target[1]] = value
            else:
                target = (keyword, None)
                setattr(current, keyword, value)
        elif line.startswith('"') and target is not None:
            value = _unquote(line)
            if target[0] == "msgstr":
                current.msgstr[target[1]] += value
            else:
                setattr(current, target[0], getattr(current, target[0]) + value)
        else:
            raise AssertionError(f"{path}: cannot read the line {raw!r}")
    finish()
    return entries


def placeholders(entry: Entry, text: str) -> list[str]:
    if "python-format" in entry.flags:
        return sorted(p for p in PYTHON_FORMAT.findall(text) if p != "%%")
    if "python-brace-format" in entry.flags:
        return sorted(p for p in BRACE_FORMAT.findall(text) if p not in ("{{", "}}"))
    return []


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return parse_po(PO_FILE)


@pytest.fixture(scope="module")
def messages(entries) -> list[Entry]:
    return [entry for entry in entries if entry.msgid and not entry.obsolete]


def test_the_header_is_korean_with_one_plural_form(entries):
    header = next(entry for entry in entries if entry.msgid == "" and not entry.obsolete)
    assert "fuzzy" not in header.flags, "a fuzzy header makes msgfmt skip the whole catalogue's metadata"
    text = header.msgstr[0]
    assert "Language: ko\n" in text
    assert "Content-Type: text/plain; charset=UTF-8\n" in text
    assert "Plural-Forms: nplurals=1; plural=0;\n" in text


def test_the_parser_reads_every_entry(messages):
    raw = PO_FILE.read_text(encoding="utf-8")
    assert len(messages) == len(re.findall(r"^msgid ", raw, flags=re.M)) - 1 - raw.count("\n#~ msgid ")
    assert len(messages) > 100


def test_every_entry_is_translated_and_none_is_fuzzy(messages):
    fuzzy = [entry.where for entry in messages if "fuzzy" in entry.flags]
    assert not fuzzy, f"fuzzy entries (check the translation, then remove the flag): {fuzzy}"
    untranslated = []
    for entry in messages:
        # Korean has one form (nplurals=1): msgstr, or msgstr[0] for a plural entry.
        if sorted(entry.msgstr) != [0] or not entry.msgstr[0].strip():
            untranslated.append(f"{entry.where}: {entry.msgid!r}")
    assert not untranslated, "untranslated entries:\n" + "\n".join(untranslated)


def test_translations_are_korean(messages):
    """A msgstr copied from the English (or left in English) is not a translation."""
    english = [
        f"{entry.where}: {entry.msgid!r}"
        for entry in messages
        if entry.msgid not in SAME_IN_KOREAN and not HANGUL.search(entry.msgstr.get(0, ""))
    ]
    assert not english, "msgstr without any Korean:\n" + "\n".join(english)


def test_placeholders_are_kept(messages):
    problems = []
    for entry in messages:
        wanted = placeholders(entry, entry.msgid)
        if entry.msgid_plural is not None:
            # The only Korean form stands for the plural too: it must fill what either English form uses.
            wanted = sorted(set(wanted) | set(placeholders(entry, entry.msgid_plural)))
        for index, text in entry.msgstr.items():
            found = placeholders(entry, text)
            if entry.msgid_plural is not None:
                found = sorted(set(found))
            if found != wanted:
                problems.append(f"{entry.where} msgstr[{index}]: {wanted} in the English, {found} in the Korean")
        if "python-format" not in entry.flags and "python-brace-format" not in entry.flags:
            # Not a format string, so "%" is printed as it is: the Korean must not gain a placeholder either.
            for text in entry.msgstr.values():
                if re.search(r"%\([a-zA-Z_]+\)[sd]", text) and not re.search(r"%\([a-zA-Z_]+\)[sd]", entry.msgid):
                    problems.append(f"{entry.where}: the Korean has a placeholder the English has not")
    assert not problems, "placeholders differ:\n" + "\n".join(problems)


def test_multiline_messages_keep_their_line_breaks(messages):
    """E-mail bodies keep their blank lines; a message never gains or loses a trailing newline."""
    problems = [
        entry.where
        for entry in messages
        for text in entry.msgstr.values()
        if entry.msgid.endswith("\n") != text.endswith("\n") or ("\n\n" in entry.msgid) != ("\n\n" in text)
    ]
    assert not problems, f"line breaks differ: {problems}"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext's msgfmt is not installed")
def test_msgfmt_accepts_the_catalogue():
    result = subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", str(PO_FILE)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_the_compiled_catalogue_matches_the_po(messages):
    """`manage.py compilemessages` was run after the last change to the .po."""
    assert MO_FILE.exists(), "run: manage.py compilemessages --ignore=.venv"
    with MO_FILE.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog  # noqa: SLF001 - the plain mapping is what we compare
    stale = []
    for entry in messages:
        if entry.msgid_plural is None:
            if catalog.get(entry.key) != entry.msgstr[0]:
                stale.append(entry.where)
        elif any(catalog.get((entry.key, index)) != text for index, text in entry.msgstr.items()):
            stale.append(entry.where)
    assert not stale, f"django.mo is older than django.po; run compilemessages. Differs at: {stale}"
    in_mo = {key if isinstance(key, str) else key[0] for key in catalog if key != ""}
    assert in_mo == {entry.key for entry in messages}, "django.mo has other messages than django.po"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext's xgettext is not installed")
def test_every_marked_string_is_in_the_catalogue(messages, tmp_path, monkeypatch, settings):
    """makemessages, run over a copy of the sources, finds nothing the catalogue lacks."""
    source = tmp_path / "source"
    shutil.copytree(settings.BASE_DIR, source, ignore=shutil.ignore_patterns(*IGNORED), symlinks=True)
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    (tmp_path / "locale").mkdir()
    monkeypatch.chdir(source)
    call_command(
        "makemessages",
        locale=["ko"],
        domain="django",
        keep_pot=True,
        verbosity=0,
        ignore_patterns=IGNORED,
        no_obsolete=True,
    )
    extracted = [entry for entry in parse_po(tmp_path / "locale" / "django.pot") if entry.msgid]
    known = {entry.key for entry in messages}
    missing = [f"{entry.where}: {entry.msgid!r}" for entry in extracted if entry.key not in known]
    assert not missing, (
        "strings marked for translation but not in locale/ko/LC_MESSAGES/django.po; run\n"
        "  manage.py makemessages -l ko --ignore=.venv --ignore=tests --ignore=bench --ignore=node_modules\n"
        "then translate them and run manage.py compilemessages --ignore=.venv:\n" + "\n".join(missing)
    )


KEY_STRINGS = {
    "Remember together": "함께 기억합니다",
    "Light a candle": "촛불 밝히기",
    "Lay a flower": "헌화하기",
    "Create a memorial": "추모관 만들기",
    "Condolences": "추모 글",
    "Leave a message": "추모 글 남기기",
    "Family and invitations": "가족 및 초대",
    "Style": "화풍",
}


def test_django_answers_in_korean():
    with translation.override("ko"):
        for english, korean in KEY_STRINGS.items():
            assert _(english) == korean
        assert (
            ngettext("%(count)d photo hidden.", "%(count)d photos hidden.", 1) % {"count": 1}
            == "사진 1장을 숨겼습니다."
        )
        assert (
            ngettext("%(count)d photo hidden.", "%(count)d photos hidden.", 7) % {"count": 7}
            == "사진 7장을 숨겼습니다."
        )
        assert _("Thank you for remembering %(name)s.") % {"name": "김순자"} == "김순자 님을 기억해 주셔서 감사합니다."
    with translation.override("en"):
        assert _("Remember together") == "Remember together"


def test_templates_render_korean_plurals():
    template = Template(
        "{% load i18n %}{% blocktranslate count counter=n %}{{ counter }} candle{% plural %}{{ counter }} candles"
        "{% endblocktranslate %}"
    )
    with translation.override("ko"):
        assert template.render(Context({"n": 1})) == "촛불 1개"
        assert template.render(Context({"n": 12})) == "촛불 12개"
    with translation.override("en"):
        assert template.render(Context({"n": 12})) == "12 candles"

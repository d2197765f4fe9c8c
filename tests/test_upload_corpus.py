"""Eight relatives upload the same corpus of photos at once, through the API, to a real server.

gunicorn with several workers, its own database (tests/processes.py), PHOTO_MAX_BYTES at 2 MB.
Each of 8 clients (threads with `requests`, token auth) sends every file of the corpus
(tests/corpus.py) to `POST /api/v1/albums/{id}/photos/`, one request per file, in its own
order, all starting together. In the end:

- each good file is stored exactly once: every client is answered 201, one of them "stored"
  and the others "duplicate", all naming the same photo;
- each bad file is refused with 400 and a message that says why;
- one more request with the whole corpus in `files` stores nothing new;
- the server still answers, the album lists exactly the good files (upright sizes, served
  without metadata), and the media folders hold three files per stored photo (original,
  screen, thumbnail): nothing stray from the races.
"""

from __future__ import annotations

import collections
import json
import random
import signal
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.corpus import bad_files, good_files
from tests.processes import (
    PYTHON,
    free_port,
    manage,
    process_env,
    separate_database,
    start,
    stop,
    wait_for_http,
)

pytestmark = pytest.mark.live

CLIENTS = 8
WORKERS = 4
MAX_BYTES = 2 * 1024 * 1024

SETUP_SCRIPT = """
import json
from rest_framework.authtoken.models import Token
from accounts.models import User
from memorial.services import create_memorial
user = User.objects.create_user(email="family@example.com", password="a-long-and-kind-passphrase", display_name="Family")
memorial = create_memorial(by=user, full_name="김순자", visibility="public")
print(json.dumps({"token": Token.objects.create(user=user).key, "album": memorial.albums.get().pk}))
"""


def files_under(*folders):
    return sorted(p for folder in folders if folder.exists() for p in folder.rglob("*") if p.is_file())


def test_eight_clients_upload_the_corpus_at_once_and_each_good_photo_is_stored_once(tmp_path):
    good = good_files()
    bad = bad_files(max_bytes=MAX_BYTES)
    corpus = good + bad
    media, private = tmp_path / "media", tmp_path / "private-media"

    with separate_database(tmp_path) as database_url:
        env = process_env(
            database_url,
            redis=False,
            media_root=media,
            PRIVATE_MEDIA_ROOT=str(private),
            PHOTO_MAX_BYTES=str(MAX_BYTES),
            PHOTO_MAX_FILES_PER_UPLOAD="20",  # the whole corpus fits in the one-request upload below
            LOG_LEVEL="WARNING",
        )
        manage(env, "migrate", "--noinput")
        setup = json.loads(manage(env, "shell", "-c", SETUP_SCRIPT).stdout.strip().splitlines()[-1])
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = tmp_path / "gunicorn.log"
        server = start(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(WORKERS),
                "--timeout",
                "60",
            ],
            env,
            log,
        )
        try:
            wait_for_http(f"{base}/healthz/", proc=server, log=log, timeout=60)
            upload_url = f"{base}/api/v1/albums/{setup['album']}/photos/"
            headers = {"Authorization": f"Token {setup['token']}"}
            ready = threading.Barrier(CLIENTS)

            def client(index: int) -> list[tuple[str, int, dict]]:
                order = corpus[:]
                random.Random(index).shuffle(order)
                answers = []
                with requests.Session() as session:
                    session.headers.update(headers)
                    ready.wait(timeout=30)
                    for item in order:
                        response = session.post(
                            upload_url, files={"file": (item.name, item.data, item.content_type)}, timeout=60
                        )
                        try:
                            body = response.json()
                        except ValueError:
                            body = {"not_json": response.text[:2000]}
                        answers.append((item.name, response.status_code, body))
                return answers

            with ThreadPoolExecutor(CLIENTS) as pool:
                results = list(pool.map(client, range(CLIENTS)))

            by_file: dict[str, list[tuple[int, dict]]] = collections.defaultdict(list)
            for answers in results:
                assert len(answers) == len(corpus)
                for name, status, body in answers:
                    by_file[name].append((status, body))

            stored_ids = {}
            for item in good:
                answers = by_file[item.name]
                assert [status for status, _ in answers] == [201] * CLIENTS, (item.name, answers)
                outcomes = [body["files"][0] for _, body in answers]
                assert sorted(o["outcome"] for o in outcomes) == ["duplicate"] * (CLIENTS - 1) + ["stored"], (
                    item.name,
                    outcomes,
                )
                ids = {o["photo"]["id"] for o in outcomes}
                assert len(ids) == 1, (item.name, outcomes)  # every client is told about the same photo
                stored_ids[item.name] = ids.pop()
                photo = outcomes[0]["photo"]
                assert (photo["width"], photo["height"]) == item.size, (item.name, photo)  # upright
            assert len(set(stored_ids.values())) == len(good)

            for item in bad:
                for status, body in by_file[item.name]:
                    assert status == 400, (item.name, status, body)
                    [outcome] = body["files"]
                    assert outcome["outcome"] == "refused" and outcome["photo"] is None, (item.name, body)
                    assert any(word in outcome["error"] for word in item.says), (item.name, outcome["error"])
                    assert item.name in body["detail"] and outcome["error"] in body["detail"], body

            # One more client sends the whole corpus in one request: nothing new is stored.
            response = requests.post(
                upload_url,
                headers=headers,
                files=[("files", (item.name, item.data, item.content_type)) for item in corpus],
                timeout=120,
            )
            assert response.status_code == 201, response.text
            outcomes = {o["name"]: o for o in response.json()["files"]}
            assert len(outcomes) == len(corpus)
            for item in good:
                assert outcomes[item.name]["outcome"] == "duplicate", outcomes[item.name]
                assert outcomes[item.name]["photo"]["id"] == stored_ids[item.name]
            for item in bad:
                assert outcomes[item.name]["outcome"] == "refused" and outcomes[item.name]["error"], outcomes[item.name]

            # The server still answers, and the album holds exactly the good files.
            assert requests.get(f"{base}/healthz/", timeout=10).status_code == 200
            listed = requests.get(upload_url, headers=headers, timeout=30)
            assert listed.status_code == 200, listed.text
            page = listed.json()
            assert page["count"] == len(good) and page["next"] is None
            assert sorted(p["id"] for p in page["results"]) == sorted(stored_ids.values())
            for photo in page["results"]:
                for url in (photo["thumbnail_url"], photo["screen_url"]):
                    served = requests.get(url, headers=headers, timeout=30)
                    assert served.status_code == 200 and served.content[:2] == b"\xff\xd8", (url, served.status_code)
                    # What is served carries no metadata: no EXIF, no GPS, no camera name.
                    for secret in (b"Exif", b"GPS", b"SecretCam"):
                        assert secret not in served.content, (url, secret)
        finally:
            stop(server, signal.SIGTERM)

        server_log = log.read_text()
        assert "Traceback" not in server_log and "[CRITICAL]" not in server_log, server_log[-5000:]

        # Three files per stored photo: the original (private), the screen copy and the thumbnail.
        # The clients that lost a race left none behind.
        originals = files_under(private)
        served = files_under(media)
        assert len(originals) == len(good), originals
        assert len(served) == 2 * len(good), served
        assert len(originals) + len(served) == 3 * len(good)

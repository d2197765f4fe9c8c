"""Throughput of the public memorial page under load, against a trivial view of the same server.

    .venv/bin/python bench/load.py [--duration 10] [--threads 2] [--connections 16]
                                   [--workers N] [--conn-max-age 60] [--redis] [--keep]

What it does, all from scratch and cleaned up afterwards:

1. creates a fresh PostgreSQL database (``bench_<random>``, next to ``BENCH_DATABASE_URL``,
   default ``postgres://postgres@127.0.0.1:5432/postgres``), migrates it, collects the static
   files into a temporary STATIC_ROOT;
2. seeds one public memorial through the domain functions: a long life story, a few timeline
   events, 60 small distinct photos (``memorial.photos.add_photo``), 300 condolences
   (``Condolence.objects.bulk_create``), some candles and flowers;
3. runs the site as production would: gunicorn (2 x CPU sync workers by default), DEBUG=0,
   SECRET_KEY and ALLOWED_HOSTS set, SECURE_SSL_REDIRECT=0;
4. drives it with wrk from 127.0.0.1, the same settings for each target, one after the other:
   ``/healthz/`` (the baseline: no database, no template), the memorial page ``/m/<slug>/``,
   and one of its photo thumbnails (a guest's phone fetches one per photo; informative, no target);
5. prints requests per second, the 99th percentile latency and the errors (non-2xx/3xx answers,
   socket errors) of each, and whether the target is met: the memorial page at no less than
   half the baseline's throughput, with no error. Exit status 0 when met, 1 when not.

The server gets this process's environment: ``MEMORIAL_PAGE_FRESH_SECONDS=0 bench/load.py``
measures the page with the memorial read from the database at every visit.

``--nginx`` puts nginx in front, as deploy/ does: a generated server with the two internal
``location /_protected/...`` blocks copied from deploy/nginx/memorial.conf (paths replaced) and
``MEDIA_ACCEL_PREFIX=/_protected``, so the thumbnail is sent by nginx once Django has checked. It
first checks what a browser gets there: the file's bytes, its type, cache and nosniff headers, a
byte range, and a 404 for the internal path asked from outside. Needs Debian's nginx.

Needs ``wrk`` (Debian: ``apt-get install -y wrk``) and a PostgreSQL the current user can create
databases on. ``--profile`` also renders the page in-process and prints its SQL query count and
the functions that dominate its time (cProfile), to see where the time goes.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
PYTHON = sys.executable
TARGET_RATIO = 0.5

SEED_SCRIPT = r"""
import datetime, io, json, random
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from accounts.models import User
from memorial import offerings, photos, services
from memorial.models import Condolence

rng = random.Random(7)
owner = User.objects.create_user(email="bench@example.com", password="a-long-and-kind-passphrase", display_name="Bench Family")
story = "\n\n".join(
    f"## {decade}\n\n" + " ".join(
        ["김순자 님은 바닷가 마을에서 태어나 평생 가족을 먼저 생각하며 살았습니다.",
         "She loved the sea, her garden and *long* walks with her grandchildren;",
         "she taught **three generations** to cook, and [wrote letters](https://example.com) every week."] * 3
    )
    for decade in ("1950s", "1960s", "1970s", "1980s", "1990s", "2000s", "2010s")
)
memorial = services.create_memorial(
    by=owner, full_name="김순자", name_other_script="Kim Soon-ja", born_on=datetime.date(1942, 3, 5),
    died_on=datetime.date(2023, 10, 14), place="Busan", life_story=story, language="ko", visibility="public",
)
for year, kind, title in ((1942, "born", "Born in Busan"), (1965, "married", "Married"), (1970, "other", "First child"),
                          (1998, "retired", "Retired"), (2023, "died", "Passed away")):
    services.add_timeline_event(memorial=memorial, kind=kind, happened_on=datetime.date(year, 1, 1), precision="year", title=title)
album = memorial.albums.get()
first = None
for i in range(60):
    img = Image.new("RGB", (64, 48), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    img.putpixel((i % 64, i // 64), (255 - i, i, 128))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    photo, created = photos.add_photo(album=album, upload=SimpleUploadedFile(f"photo-{i:02d}.jpg", buf.getvalue(), "image/jpeg"),
                                      by=owner, caption=f"사진 {i + 1}: 가족과 함께")
    assert created
    first = first or photo
services.update_memorial(memorial=memorial, cover_photo=first)
now = timezone.now()
Condolence.objects.bulk_create(
    Condolence(memorial=memorial, guest_name=f"Guest {i}", message=f"삼가 고인의 명복을 빕니다. With love and memory, number {i}. " * 3,
               status=Condolence.Status.PUBLISHED, created_at=now - datetime.timedelta(minutes=i))
    for i in range(300)
)
for i in range(40):
    offerings.make_offering(memorial=memorial, kind="candle" if i % 3 else "flower", visitor_key=f"visitor-{i}")
print(json.dumps({"slug": memorial.slug, "url": memorial.get_absolute_url()}))
"""


def nginx_conf(tmp: str, port: int, upstream_port: int, media_root: str, private_root: str) -> str:
    """A server like deploy/nginx/memorial.conf's, on plain HTTP, with its internal locations."""
    with open(os.path.join(ROOT, "deploy", "nginx", "memorial.conf")) as f:
        deploy = f.read()
    blocks = re.findall(r"^    location /_protected/\w+/ \{\n.*?^    \}", deploy, re.MULTILINE | re.DOTALL)
    if len(blocks) != 2:
        sys.exit(f"deploy/nginx/memorial.conf should have 2 internal /_protected/ locations, found {len(blocks)}")
    internal = (
        "\n".join(blocks)
        .replace("/srv/memorial/media/", media_root.rstrip("/") + "/")
        .replace("/srv/memorial/private-media/", private_root.rstrip("/") + "/")
    )
    temp = {name: os.path.join(tmp, f"nginx-{name}") for name in ("client", "proxy", "fastcgi", "uwsgi", "scgi")}
    # deploy's `location /` too, timeouts and buffers included.
    proxy = re.search(r"^    location / \{\n        proxy_pass.*?^    \}", deploy, re.MULTILINE | re.DOTALL).group(0)
    # Run as root, nginx's workers become "nobody" and could not read the files (mode 0640), as
    # www-data cannot in production unless it is in the memorial group (deploy/README.md).
    user = "user root root;" if os.geteuid() == 0 else ""
    return f"""
daemon off;
{user}
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    client_body_temp_path {temp["client"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    upstream memorial_web {{ server 127.0.0.1:{upstream_port} fail_timeout=0; keepalive 16; }}
    server {{
        listen 127.0.0.1:{port};
{internal}
{proxy}
    }}
}}
"""


def check_through_nginx(base: str, thumb_path: str, media_root: str) -> None:
    """What a browser gets from nginx for a thumbnail, and that the internal path is closed."""
    with urllib.request.urlopen(base + thumb_path, timeout=30) as response:
        headers, data = response.headers, response.read()
    name = None
    for folder, _, files in os.walk(media_root):
        for file_name in sorted(files, key=lambda n: "thumb" not in n):  # (tiny photos: thumb == screen)
            path = os.path.join(folder, file_name)
            with open(path, "rb") as f:
                if name is None and f.read() == data:
                    name = os.path.relpath(path, media_root)
    problems = []
    if name is None:
        problems.append("the bytes are not those of any file in MEDIA_ROOT")
    if headers.get("Content-Type") != "image/jpeg":
        problems.append(f"Content-Type {headers.get('Content-Type')!r}")
    if not (headers.get("Cache-Control") or "").startswith("public"):
        problems.append(f"Cache-Control {headers.get('Cache-Control')!r} (the view's was lost)")
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    ranged = urllib.request.Request(base + thumb_path, headers={"Range": "bytes=0-9"})
    with urllib.request.urlopen(ranged, timeout=30) as response:
        if response.status != 206 or response.read() != data[:10]:
            problems.append(f"a byte range got {response.status}")
    if name is not None:
        try:
            urllib.request.urlopen(f"{base}/_protected/media/{name}", timeout=30)
            problems.append("the internal location answered a request from outside")
        except urllib.error.HTTPError as exc:
            if exc.code != 404:
                problems.append(f"the internal location answered {exc.code} from outside, not 404")
    if problems:
        sys.exit("nginx does not serve the thumbnail as it should: " + "; ".join(problems))
    print(
        f"Through nginx: {thumb_path} sent from MEDIA_ROOT/{name} (image/jpeg, Cache-Control kept, nosniff, "
        "ranges); the internal path is a 404 from outside"
    )


def wrk_available() -> str:
    path = shutil.which("wrk")
    if not path:
        sys.exit("wrk is not installed: apt-get install -y wrk")
    return path


@contextlib.contextmanager
def fresh_database(admin_url: str, keep: bool):
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(admin_url)
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = {
        "host": config["HOST"],
        "port": config["PORT"] or 5432,
        "user": config["USER"],
        "dbname": config["NAME"],
        "autocommit": True,
    }
    if config.get("PASSWORD"):
        admin["password"] = config["PASSWORD"]
    with psycopg.connect(**admin) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        if keep:
            print(f"(kept database {name})")
        else:
            with psycopg.connect(**admin) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(env: dict, *args: str, timeout: float = 300) -> str:
    done = subprocess.run(
        [PYTHON, "manage.py", *args], check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        sys.exit(f"manage.py {args[0]} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def wait_for(url: str, proc: subprocess.Popen, log: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{proc.args[0]} exited with {proc.returncode}:\n{_read(log)}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.3)
    sys.exit(f"{url} did not answer within {timeout}s:\n{_read(log)}")


def _read(path: str) -> str:
    with open(path) as f:
        return f.read()


def fetch(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read()


# --- wrk ------------------------------------------------------------------------------------

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def run_wrk(wrk: str, url: str, *, threads: int, connections: int, duration: int) -> dict:
    cmd = [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s", url]
    out = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=duration + 60).stdout
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "url": url,
        "raw": out,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50_ms": _ms(re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE).group(1)),
        "p99_ms": _ms(re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE).group(1)),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(int(n) for n in socket_errors.groups()) if socket_errors else 0,
        "socket_detail": socket_errors.group(0) if socket_errors else "Socket errors: none",
    }


# --- profiling ---------------------------------------------------------------------------------

PROFILE_SCRIPT = r"""
import cProfile, io, pstats, statistics, time
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from generation import selectors as artwork_selectors
from memorial import permissions, previews, selectors
from memorial.forms import CondolenceForm
from memorial.markdown import render_markdown
from memorial.views import memorial_detail

slug = %(slug)r
client = Client(HTTP_HOST="127.0.0.1")
client.get(f"/m/{slug}/")  # warm: templates, translations, url resolvers
with CaptureQueriesContext(connection) as queries:
    response = client.get(f"/m/{slug}/")
assert response.status_code == 200, response.status_code
html = response.content.decode()


def ms(fn, runs=40):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def run_sql(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


print(f"status {response.status_code}, {len(html)} characters of HTML, {len(queries)} SQL queries "
      "(each run again raw: median ms, rows, characters fetched):")
for q in queries:
    rows = run_sql(q["sql"])
    size = sum(len(str(value)) for row in rows for value in row)
    print(f"  {ms(lambda: run_sql(q['sql']), runs=20):6.2f} ms {len(rows):4d} rows {size:7d} chars  {q['sql'][:110]}")


whole_page = ms(lambda: client.get(f"/m/{slug}/"))
healthz = ms(lambda: client.get("/healthz/"))
request = RequestFactory().get(f"/m/{slug}/", HTTP_HOST="127.0.0.1")
request.user = AnonymousUser()
view_only = ms(lambda: memorial_detail(request, slug))
memorial = selectors.memorial_by_slug(slug)
user = AnonymousUser()


def build_context():
    context = selectors.memorial_page(memorial, user, condolence_page=1)
    context["condolences"].object_list = list(context["condolences"].object_list)
    context["artworks"] = list(artwork_selectors.artworks_of(memorial, user)[: selectors.GALLERY_SIZE])
    context["perms"] = {action: permissions.can(user, action, memorial) for action in permissions.ACTIONS}
    return context


queries_and_models = ms(build_context)
context = build_context()
context.update(
    condolence_form=CondolenceForm(guest=True),
    indexable=True,
    preview=previews.memorial_tags(memorial),
    share=previews.share_for(memorial),
)
story = ms(lambda: render_markdown(memorial.life_story))
template = ms(lambda: render_to_string("memorial/memorial_detail.html", context, request=request))
reverse_one = ms(lambda: [reverse("memorial:photo_file", args=[1, "thumb"]) for _ in range(100)]) / 100
urls = html.count('href="/') + html.count('src="/') + html.count('action="/') + html.count('data-full="/')
print()
print("Where one render of the memorial page goes (medians, in-process, one thread, no profiler):")
print(f"  the whole request, middleware included       {whole_page:7.2f} ms   (/healthz/: {healthz:.2f} ms)")
print(f"  the view alone (RequestFactory)              {view_only:7.2f} ms")
print(f"    queries + building the model objects       {queries_and_models:7.2f} ms")
print(f"    the template, with that context ready      {template:7.2f} ms")
print(f"      of which the life story's Markdown+nh3   {story:7.2f} ms   (rendered again on every request)")
print(f"      of which {urls} URLs made by reverse()     ~{urls * reverse_one:6.2f} ms   ({reverse_one * 1000:.0f} us each)")
print()
profile = cProfile.Profile()
profile.enable()
for _ in range(20):
    client.get(f"/m/{slug}/")
profile.disable()
out = io.StringIO()
pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(25)
print("cProfile, 20 renders, by time spent in the function itself:")
print(out.getvalue())
"""


# --- main ------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per target (default 10)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument(
        "--workers", type=int, default=2 * (os.cpu_count() or 1), help="gunicorn workers (default 2 x CPU)"
    )
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=60,
        help="DB_CONN_MAX_AGE for the server (default 60; 0 = a new connection per request)",
    )
    parser.add_argument(
        "--redis", action="store_true", help="run with REDIS_URL set (Redis cache and broker, the scale-out setup)"
    )
    parser.add_argument("--profile", action="store_true", help="also profile one page render in-process")
    parser.add_argument(
        "--nginx", action="store_true", help="put nginx in front (deploy/'s internal locations, MEDIA_ACCEL_PREFIX)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database and the temporary folder")
    args = parser.parse_args()

    wrk = wrk_available()
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if args.nginx and not nginx:
        sys.exit("nginx is not installed: apt-get install -y nginx")
    admin_url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    tmp = tempfile.mkdtemp(prefix="bench-load-")
    server = proxy = None
    try:
        with fresh_database(admin_url, args.keep) as database_url:
            port = _free_port()
            env = {
                k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
            }
            env.update(
                DATABASE_URL=database_url,
                DB_CONN_MAX_AGE=str(args.conn_max_age),
                DEBUG="0",
                SECRET_KEY=secrets.token_urlsafe(50),
                ALLOWED_HOSTS="127.0.0.1,localhost",
                SECURE_SSL_REDIRECT="0",
                SECURE_HSTS_SECONDS="0",
                SITE_URL=f"http://127.0.0.1:{port}",
                STATIC_ROOT=os.path.join(tmp, "static"),
                MEDIA_ROOT=os.path.join(tmp, "media"),
                PRIVATE_MEDIA_ROOT=os.path.join(tmp, "private-media"),
                LOG_LEVEL="WARNING",
                PYTHONUNBUFFERED="1",
            )
            if args.nginx:
                env["MEDIA_ACCEL_PREFIX"] = "/_protected"
            if args.redis:
                env["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")

            started = time.monotonic()
            manage(env, "migrate", "--noinput")
            manage(env, "collectstatic", "--noinput")
            seeded = manage(env, "shell", "-c", SEED_SCRIPT).strip().splitlines()[-1]
            import json

            memorial = json.loads(seeded)
            print(
                f"Set up in {time.monotonic() - started:.0f}s: a fresh database, migrated; static files collected; "
                f"a public memorial with 60 photos and 300 condolences at {memorial['url']}"
            )

            log = os.path.join(tmp, "gunicorn.log")
            cmd = [
                PYTHON,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "--worker-class",
                "sync",
                "--timeout",
                "60",
                "--log-level",
                "warning",
            ]
            with open(log, "w") as log_file:  # the child keeps its own copy of the descriptor
                server = subprocess.Popen(
                    cmd, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
                )
            base = f"http://127.0.0.1:{port}"
            wait_for(f"{base}/healthz/", server, log)
            if args.nginx:
                nginx_port = _free_port()
                conf = os.path.join(tmp, "nginx.conf")
                with open(conf, "w") as f:
                    f.write(nginx_conf(tmp, nginx_port, port, env["MEDIA_ROOT"], env["PRIVATE_MEDIA_ROOT"]))
                nginx_log = os.path.join(tmp, "nginx.log")
                with open(nginx_log, "w") as log_file:
                    proxy = subprocess.Popen(
                        [nginx, "-p", tmp, "-c", conf],
                        stdout=log_file,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                base = f"http://127.0.0.1:{nginx_port}"
                wait_for(f"{base}/healthz/", proxy, nginx_log)

            page_url = f"{base}{memorial['url']}"
            status, body = fetch(page_url)
            html = body.decode()
            assert status == 200 and "김순자" in html, (status, html[:500])
            shown = len(set(re.findall(r"number (\d+)\.", html)))
            print(
                f"The memorial page answers {status}: {len(body)} bytes, {html.count('<img')} <img> tags, "
                f"{shown} condolences on its first page"
            )
            thumb_path = re.search(r'src="(/photos/\d+/thumb\.jpg)"', html).group(1)
            if args.nginx:
                check_through_nginx(base, thumb_path, env["MEDIA_ROOT"])
            print(
                f"gunicorn: {args.workers} sync workers; DB_CONN_MAX_AGE={args.conn_max_age}; "
                f"{'Redis' if args.redis else 'local-memory'} cache; {os.cpu_count()} CPUs on this machine (shared with wrk)"
                + ("; nginx in front, thumbnails sent by nginx (X-Accel-Redirect)" if args.nginx else "; no proxy")
            )
            print(f"wrk: -t{args.threads} -c{args.connections} -d{args.duration}s --latency\n")

            results = {}
            targets = (
                ("baseline /healthz/", f"{base}/healthz/"),
                ("memorial page", page_url),
                ("photo thumbnail", base + thumb_path),
            )
            for label, url in targets:
                run_wrk(wrk, url, threads=args.threads, connections=args.connections, duration=2)  # warm-up
                results[label] = run_wrk(
                    wrk, url, threads=args.threads, connections=args.connections, duration=args.duration
                )

            for label, r in results.items():
                print(f"--- {label}: {r['url']}\n{r['raw'].rstrip()}\n")

            print(
                f"{'target':<20} {'req/s':>10} {'p50 ms':>9} {'p99 ms':>9} {'requests':>9} {'non-2xx':>8} {'socket err':>10}"
            )
            for label, r in results.items():
                print(
                    f"{label:<20} {r['rps']:>10.1f} {r['p50_ms']:>9.2f} {r['p99_ms']:>9.2f} {r['requests']:>9} "
                    f"{r['non_2xx']:>8} {r['socket_errors']:>10}"
                )
            base_r, page_r = results["baseline /healthz/"], results["memorial page"]
            ratio = page_r["rps"] / base_r["rps"] if base_r["rps"] else 0.0
            errors = sum(r["non_2xx"] + r["socket_errors"] for r in results.values())
            thumb_r = results["photo thumbnail"]
            print(
                f"\nphoto thumbnail / baseline throughput: {thumb_r['rps'] / base_r['rps']:.2f} (informative: no target)"
            )
            met = ratio >= TARGET_RATIO and errors == 0
            print(
                f"\nmemorial page / baseline throughput: {ratio:.2f} (target >= {TARGET_RATIO:.2f}); errors: {errors}"
            )
            print(f"TARGET {'MET' if met else 'MISSED'}")

            server_log = _read(log)
            if "Traceback" in server_log or "[CRITICAL]" in server_log or "WORKER TIMEOUT" in server_log:
                print("\nThe server logged errors:\n" + server_log[-4000:])
                met = False

            if args.profile:
                print("\n--- profile of one page render, in-process (same database and settings) ---")
                print(manage(env, "shell", "-c", PROFILE_SCRIPT % {"slug": memorial["slug"]}))
            return 0 if met else 1
    finally:
        _stop(proxy, signal.SIGQUIT)  # nginx's graceful stop
        _stop(server, signal.SIGTERM)
        if args.keep:
            print(f"(kept {tmp})")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def _stop(proc: subprocess.Popen | None, sig: int) -> None:
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


if __name__ == "__main__":
    sys.exit(main())

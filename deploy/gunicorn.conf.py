"""gunicorn settings for the web process (the worker machines run `manage.py qcluster` instead).

    .venv/bin/gunicorn -c deploy/gunicorn.conf.py config.wsgi:application

Run from the project root; deploy/systemd/memorial-web.service does. The web process never
imports torch, so a worker here is small; the GPU machines do the painting.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"{name}={value!r} is not a whole number.") from None


wsgi_app = "config.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")  # nginx's upstream (deploy/nginx/memorial.conf)

# Threads let one process keep answering while another request waits on the database or S3
# (file views stream from storage). Photo uploads are CPU-bound (decode, rotate, re-encode).
worker_class = "gthread"
workers = _int("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 9))
threads = _int("GUNICORN_THREADS", 4)

# An upload of several large photos is checked and re-encoded inside the request: give it time.
# Keep nginx's proxy_read_timeout at least this long.
timeout = _int("GUNICORN_TIMEOUT", 300)
graceful_timeout = 60
keepalive = 5
# Restart each process now and then, so that a slow leak (Pillow buffers) never grows for weeks.
max_requests = 2000
max_requests_jitter = 200
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# Only the nginx on this machine may tell us the scheme (X-Forwarded-Proto) and the client address.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The address logged is the visitor's (X-Real-IP from nginx), not nginx's.
access_log_format = '%({x-real-ip}i)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s %(L)ss "%(f)s" "%(a)s"'
proc_name = "memorial-web"


def post_worker_init(worker):
    """Take REMOTE_ADDR from nginx's X-Real-IP, for requests that come from a trusted proxy only.

    gunicorn always sets REMOTE_ADDR to the socket's peer, which behind nginx is nginx itself; the
    site's rate limits and guests' networks (core/visitors.py) would then count every visitor as one.
    nginx's realip module fixes nginx's own $remote_addr, not the WSGI environ: this does.
    """
    trusted = {address.strip() for address in forwarded_allow_ips.split(",") if address.strip()}
    application = worker.wsgi

    def real_ip(environ, start_response):
        peer = environ.get("REMOTE_ADDR", "")
        forwarded = environ.get("HTTP_X_REAL_IP", "").strip()
        if forwarded and ("*" in trusted or peer in trusted):
            environ["REMOTE_ADDR"] = forwarded
        return application(environ, start_response)

    worker.wsgi = real_ip

"""The hand-back of a finished job to a service server (the original design's hand-back).

Each finished job is POSTed as JSON, signed with HMAC-SHA256 of the body in the
`X-Memoria-Signature: sha256=<hex>` header, from its own task, retried with back-off, so it
never holds up a job. Addresses on private or loopback networks are refused unless
ARTWORK_WEBHOOK_ALLOW_PRIVATE is set (for local testing).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import socket
from datetime import timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BACKOFF_SECONDS = (10, 30, 120, 600, 1800)
TIMEOUT_SECONDS = 10


class WebhookRefused(ValueError):
    pass


def check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise WebhookRefused(f"The webhook address {url!r} is not an http(s) URL.")
    if settings.ARTWORK_WEBHOOK_ALLOW_PRIVATE:
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
    except socket.gaierror as exc:
        raise WebhookRefused(f"The webhook host {parts.hostname!r} does not resolve: {exc}") from None
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global:
            raise WebhookRefused(
                f"The webhook address {url!r} points at a private or loopback address ({ip}); "
                "set ARTWORK_WEBHOOK_ALLOW_PRIVATE=1 only for local testing."
            )


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def payload(job) -> dict:
    artwork = getattr(job, "artwork", None)
    tribute = getattr(artwork, "tribute", None) if artwork else None
    narration = getattr(tribute, "narration", None) if tribute else None
    site = settings.SITE_URL
    return {
        "event": "artwork.finished",
        "job": {"id": job.pk, "status": job.status, "url": site + reverse("generation:job", args=[job.pk])},
        "memorial": {"slug": job.memorial.slug, "url": site + job.memorial.get_absolute_url()},
        "artwork": None
        if artwork is None
        else {
            "id": artwork.pk,
            "url": site + artwork.get_absolute_url(),
            "image_url": site + artwork.file_url("image"),
            "backend": artwork.backend,
            "width": artwork.width,
            "height": artwork.height,
        },
        "tribute": None if tribute is None else {"language": tribute.language, "text": tribute.text},
        "narration": None
        if narration is None
        else {
            "audio_url": site + artwork.file_url("narration"),
            "duration_s": narration.duration_s,
        },
    }


def schedule_delivery(job_id: int) -> None:
    if not settings.ARTWORK_WEBHOOK_URL:
        return
    from django_q.tasks import async_task

    async_task("generation.tasks.deliver_webhook", job_id, 1, group="webhook")


def deliver(job_id: int, attempt: int = 1) -> str:
    from generation.models import StylizationJob

    url = settings.ARTWORK_WEBHOOK_URL
    if not url:
        return "no webhook configured"
    job = StylizationJob.objects.select_related("memorial", "artwork__tribute__narration").get(pk=job_id)
    check_url(url)
    body = json.dumps(payload(job), ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Memoria-Signature": sign(body, settings.ARTWORK_WEBHOOK_SECRET),
        "X-Memoria-Delivery": f"{job_id}-{attempt}",
    }
    try:
        response = requests.post(url, data=body, headers=headers, timeout=TIMEOUT_SECONDS, allow_redirects=False)
        if 200 <= response.status_code < 300:
            return f"delivered on attempt {attempt}"
        problem = f"HTTP {response.status_code}"
    except requests.RequestException as exc:
        problem = exc.__class__.__name__
    if attempt >= MAX_ATTEMPTS:
        log.warning("webhook for job %s gave up after %s attempts (%s)", job_id, attempt, problem)
        return f"gave up after {attempt} attempts: {problem}"
    delay = BACKOFF_SECONDS[min(attempt - 1, len(BACKOFF_SECONDS) - 1)]
    from django_q.models import Schedule
    from django_q.tasks import schedule

    schedule(
        "generation.tasks.deliver_webhook",
        job_id,
        attempt + 1,
        name=f"webhook-{job_id}-{attempt + 1}",
        schedule_type=Schedule.ONCE,
        repeats=1,
        next_run=timezone.now() + timedelta(seconds=delay),
    )
    return f"attempt {attempt} failed ({problem}); next in {delay} s"

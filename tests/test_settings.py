"""Settings come from the environment and fail loudly on bad values."""

import subprocess

import pytest

from tests.processes import PYTHON, ROOT

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k3J9-production-like-secret-with-enough-entropy-8f2Lq0Zp7wX1vB4nM6cR",
    "ALLOWED_HOSTS": "memorial.example.org",
    "SITE_URL": "https://memorial.example.org",
}


def run_manage(env_overrides: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    import os

    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "SITE_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env.update(env_overrides)
    return subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_production_settings_pass_the_deploy_check_without_warnings():
    result = run_manage(PRODUCTION, "check", "--deploy")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr + result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = run_manage(env, "check")
    assert result.returncode != 0
    assert f"{missing} must be set when DEBUG=0" in result.stderr


def test_production_refuses_to_start_with_the_loopback_site_url():
    """QR codes printed for a funeral carry SITE_URL: a production start with the default would print
    cards that open nothing."""
    env = {k: v for k, v in PRODUCTION.items() if k != "SITE_URL"}
    result = run_manage(env, "check")
    assert result.returncode != 0
    assert "SITE_URL must be set when DEBUG=0" in result.stderr
    assert "http://127.0.0.1:8000" in result.stderr
    result = run_manage({**env, "SITE_URL": "http://127.0.0.1:8000/"}, "check")
    assert result.returncode != 0 and "SITE_URL must be set when DEBUG=0" in result.stderr
    # The public address starts it.
    assert run_manage(PRODUCTION, "check").returncode == 0


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DEBUG", "ture", "DEBUG='ture' is not a boolean"),
        ("Q_WORKERS", "many", "Q_WORKERS='many' is not a whole number"),
        ("Q_WORKERS", "0", "Q_WORKERS=0 is below the minimum of 1"),
        ("LANGUAGE_CODE", "fr", "LANGUAGE_CODE='fr' is not one of: en, ko"),
        ("DATABASE_URL", "nosuch://x", "DATABASE_URL is not a database address"),
    ],
)
def test_a_bad_value_stops_the_process_with_a_message_naming_it(name, value, message):
    result = run_manage({name: value}, "check")
    assert result.returncode != 0
    assert message in result.stderr


SHOW = "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'], 'redis' in s.Q_CLUSTER, s.Q_CLUSTER.get('orm'), s.EMAIL_BACKEND.rsplit('.', 2)[-2], s.DEBUG)"


def test_nothing_set_gives_the_embedded_default():
    result = run_manage({}, "shell", "-c", SHOW)
    assert result.stdout.strip().splitlines()[-1].split() == [
        "django.db.backends.sqlite3",
        "False",
        "default",
        "console",
        "True",
    ]


def test_database_and_redis_urls_give_the_scale_out_setup():
    env = {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/test", "REDIS_URL": "redis://127.0.0.1:6379/0"}
    result = run_manage(env, "shell", "-c", SHOW)
    assert result.stdout.strip().splitlines()[-1].split() == [
        "django.db.backends.postgresql",
        "True",
        "None",
        "console",
        "True",
    ]


def test_a_worker_that_only_trains_can_run_without_the_scheduler():
    show = (
        "from django.conf import settings as s; "
        "print(s.Q_CLUSTER['scheduler'], s.Q_CLUSTER['name'], s.Q_CLUSTER['cluster_name'], s.TRAINING_QUEUE or '-')"
    )
    painter = run_manage({"Q_CLUSTER_NAME": "memorial"}, "shell", "-c", show)
    assert painter.stdout.split()[-4:] == ["True", "memorial", "memorial", "-"]
    # The same site (the name signs the tasks), its own queue.
    trainer = {
        "Q_CLUSTER_NAME": "memorial",
        "Q_SCHEDULER": "0",
        "Q_QUEUE": "memorial-training",
        "TRAINING_QUEUE": "memorial-training",
    }
    assert run_manage(trainer, "shell", "-c", show).stdout.split()[-4:] == [
        "False",
        "memorial",
        "memorial-training",
        "memorial-training",
    ]

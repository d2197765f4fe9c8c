"""A training run goes to the trainer's own queue: real qcluster processes, the configured
broker (the ORM, or Redis in the scale-out run), tiny weights."""

import json
import os

import pytest

from tests.processes import PYTHON, manage, process_env, separate_database, start, stop, wait_for_cluster
from tests.tiny_models import artwork_env
from tests.training.test_trainer import make_dataset

pytestmark = pytest.mark.live

ENQUEUE = """
import json
from generation.training import service
run = service.create_run(name="Circles", dataset_path=%(dataset)r, rank=4, max_steps=2, resolution=16,
                         batch_size=2, optimizer="adamw", seed=0, checkpoint_every=0)
service.enqueue(run.pk)
print(json.dumps({"run": run.pk}))
"""

WAIT = """
import json, time
from django_q.models import Task
from generation.models import Style
from generation.training.records import TrainingRun
deadline = time.monotonic() + %(timeout)d
while time.monotonic() < deadline:
    run = TrainingRun.objects.get(pk=%(run)d)
    if run.status in ("succeeded", "failed"):
        break
    time.sleep(0.5)
task = None
while time.monotonic() < deadline + 30 and task is None:  # saved just after the function returns
    task = Task.objects.filter(name="training-%(run)d").first()
    time.sleep(0.2)
print(json.dumps({"status": run.status, "error": run.error, "cluster": task and task.cluster,
                  "style": Style.objects.filter(name="Circles").exists()}))
"""


def test_a_training_run_is_taken_by_the_trainer_and_never_by_a_painter(tmp_path, tiny_models):
    redis = bool(os.environ.get("REDIS_URL"))  # the broker of the configuration under test
    dataset = make_dataset(tmp_path / "dataset", n=4)
    with separate_database(tmp_path) as database_url:
        env = process_env(
            database_url,
            redis=redis,
            media_root=tmp_path / "media",
            PRIVATE_MEDIA_ROOT=str(tmp_path / "private"),
            **artwork_env(tiny_models.paths),
            HF_HUB_OFFLINE="1",
            OMP_NUM_THREADS="1",
        )
        env["TRAINING_QUEUE"] = trainer_name = f"{env['Q_CLUSTER_NAME']}-training"
        manage(env, "migrate", "--noinput")
        painter = start([PYTHON, "manage.py", "qcluster"], env, tmp_path / "painter.log")
        trainer = start(
            [PYTHON, "manage.py", "qcluster"],
            {**env, "Q_QUEUE": trainer_name, "Q_SCHEDULER": "0", "Q_TIMEOUT": "600"},
            tmp_path / "trainer.log",
        )
        try:
            # Both clusters polling: the painter would take the run if it were in its queue.
            wait_for_cluster(tmp_path / "painter.log", painter)
            wait_for_cluster(tmp_path / "trainer.log", trainer)
            run = json.loads(
                manage(env, "shell", "-c", ENQUEUE % {"dataset": str(dataset)}).stdout.strip().splitlines()[-1]
            )["run"]
            out = manage(env, "shell", "-c", WAIT % {"run": run, "timeout": 240}, timeout=300).stdout
            result = json.loads(out.strip().splitlines()[-1])
        finally:
            stop(painter)
            stop(trainer)
        logs = (tmp_path / "painter.log").read_text() + (tmp_path / "trainer.log").read_text()
        assert result["status"] == "succeeded", (result, logs[-3000:])
        assert result["cluster"] == trainer_name, (result, logs[-3000:])
        assert result["style"]

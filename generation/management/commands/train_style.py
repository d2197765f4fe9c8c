"""``manage.py train_style DATASET_DIR --name NAME``: train a style LoRA and publish it as a Style.

The defaults are the thesis recipe (rank 8, lr 1e-4, batch 4, 8-bit AdamW). The run is
recorded as a ``TrainingRun`` like the ones the admin starts; Ctrl-C stops it at the next
step and keeps a checkpoint, and ``--resume`` continues the last stopped or failed run of
that name, with its own settings.
"""

from __future__ import annotations

import signal
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from generation.training.dataset import DatasetError, check_dataset
from generation.training.records import TrainingStatus


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    help = "Train a style LoRA (SD 1.5) on a folder of images with same-named .txt captions, and make it a Style."

    def add_arguments(self, parser):
        parser.add_argument("dataset", metavar="DATASET_DIR", help="images, each with a caption file NAME.txt")
        parser.add_argument("--name", required=True, help="the style's name (created, or updated when it exists)")
        parser.add_argument("--trigger", default="", help="a trigger word put in front of every caption")
        parser.add_argument("--base", help="base model folder or hub id (default: ARTWORK_MODELS['base'])")
        parser.add_argument(
            "--output", help="folder for checkpoints, the LoRA and previews (default: MEDIA_ROOT/training/run-<id>)"
        )
        parser.add_argument("--rank", type=_positive_int, default=8)
        parser.add_argument("--alpha", type=_positive_float, default=None, help="default: the rank")
        parser.add_argument("--lr", type=_positive_float, default=1e-4, help="learning rate (default 1e-4)")
        parser.add_argument("--batch-size", type=_positive_int, default=4)
        parser.add_argument("--grad-accum", type=_positive_int, default=1)
        parser.add_argument("--optimizer", choices=("adamw8bit", "adamw"), default="adamw8bit")
        steps = parser.add_mutually_exclusive_group()
        steps.add_argument("--epochs", type=_positive_int, default=None, help="passes over the images (default 10)")
        steps.add_argument("--max-steps", type=_positive_int, default=None, help="optimizer steps")
        parser.add_argument("--resolution", type=_positive_int, default=512)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--checkpoint-every", type=int, default=100, help="steps between checkpoints (0: none)")
        parser.add_argument("--snr-gamma", type=_positive_float, default=None, help="min-SNR weighting, e.g. 5")
        parser.add_argument("--mixed-precision", choices=("auto", "no", "fp16", "bf16"), default="auto")
        parser.add_argument(
            "--resume",
            action="store_true",
            help="continue the last stopped, failed or abandoned run of --name from its last checkpoint, "
            "with its own settings",
        )

    def handle(self, *args, **options):
        from generation.training import service

        dataset_dir = str(Path(options["dataset"]).expanduser().resolve())
        base = options["base"] or settings.ARTWORK_MODELS.get("base")
        if not base:
            raise CommandError("No base model: pass --base FOLDER_OR_HUB_ID or set ARTWORK_BASE_MODEL.")
        if options["checkpoint_every"] < 0:
            raise CommandError("--checkpoint-every must be 0 or more")

        if options["resume"]:
            run = service.resumable_run(options["name"])
            if run is None:
                raise CommandError(f"There is no stopped or failed training of {options['name']!r} to resume.")
            if Path(run.dataset_path).resolve() != Path(dataset_dir):
                raise CommandError(
                    f"The last run of {options['name']!r} trained on {run.dataset_path}, not {dataset_dir}."
                )
            run = service.requeue_for_resume(run)
            self.stdout.write(f"Resuming training run {run.pk} from its last checkpoint in {run.output_dir}")
        else:
            try:
                check_dataset(dataset_dir, options["resolution"], options["trigger"])
            except DatasetError as exc:
                raise CommandError(str(exc)) from None
            try:
                run = service.create_run(
                    name=options["name"],
                    dataset_path=dataset_dir,
                    output_dir=options["output"] or "",
                    trigger_words=options["trigger"],
                    base_model=base,
                    rank=options["rank"],
                    alpha=options["alpha"],
                    learning_rate=options["lr"],
                    batch_size=options["batch_size"],
                    grad_accum=options["grad_accum"],
                    optimizer=options["optimizer"],
                    epochs=options["epochs"],
                    max_steps=options["max_steps"],
                    resolution=options["resolution"],
                    seed=options["seed"],
                    snr_gamma=options["snr_gamma"],
                    mixed_precision=options["mixed_precision"],
                    checkpoint_every=options["checkpoint_every"],
                )
            except (TypeError, ValueError) as exc:
                raise CommandError(str(exc)) from None

        run = self._train(service, run, quiet=options["verbosity"] < 1)
        if run.status != TrainingStatus.SUCCEEDED:
            raise CommandError(f"Training run {run.pk} failed: {run.error}")
        style = run.style
        self.stdout.write(
            self.style.SUCCESS(
                f"Style {style.name!r} ({style.slug}) trained in {run.step} steps, {run.seconds:.0f} s; "
                f"LoRA {style.lora_file.name}; optimizer {run.optimizer_used}"
                + (f" ({run.optimizer_note})" if run.optimizer_note else "")
            )
        )
        for path in run.preview_paths:
            self.stdout.write(f"preview: {path}")

    def _train(self, service, run, quiet):
        from tqdm import tqdm

        from generation.worker.training import run_training

        stream = self.stderr._out
        bar = tqdm(
            total=run.total_steps or None,
            initial=run.step if run.resume else 0,
            unit="step",
            desc=f"training {run.name}",
            disable=quiet,
            file=stream,
            dynamic_ncols=True,
        )
        interrupted = {"flag": False}

        def on_step(step, total, loss):
            if bar.total != total:
                bar.total = total
            bar.n = step
            bar.set_postfix(loss=f"{loss:.4f}", refresh=False)
            bar.refresh()
            if step >= total:
                bar.close()  # the previews come next; the bar's clock stops with training
                bar.write("Saving the LoRA and painting the previews...", file=stream)

        def on_interrupt(signum, frame):
            if interrupted["flag"]:
                raise KeyboardInterrupt
            interrupted["flag"] = True
            bar.write(
                "Stopping after this step and keeping a checkpoint (Ctrl-C again to quit at once)...", file=stream
            )

        try:
            previous = signal.signal(signal.SIGINT, on_interrupt)
        except ValueError:  # not the main thread (called from a test runner thread): no handler
            previous = None
        try:
            return run_training(run, on_step=on_step, should_stop=lambda: interrupted["flag"])
        finally:
            bar.close()
            if previous is not None:
                signal.signal(signal.SIGINT, previous)

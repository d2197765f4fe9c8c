from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Download the configured diffusion weights (ARTWORK_BASE_MODEL, the three ControlNets, the annotators) "
        "into the Hugging Face cache the worker reads. Needs internet access to the hub; local folders are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--endpoint", help="A hub mirror, e.g. https://hf-mirror.example.org")
        parser.add_argument(
            "--cache-dir", help="Another cache folder than the default (then set HF_HUB_CACHE for workers)"
        )

    def handle(self, *args, **options):
        from generation.pipeline.config import ModelConfig
        from generation.pipeline.fetch import FetchError, fetch_models

        try:
            folders = fetch_models(
                ModelConfig.from_settings(), self.stdout, cache_dir=options["cache_dir"], endpoint=options["endpoint"]
            )
        except FetchError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"Ready: {len(folders)} model location(s)."))

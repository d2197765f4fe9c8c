from django.core.management.base import BaseCommand

from core.schedules import sync_schedules


class Command(BaseCommand):
    help = "Make django-q2's schedules say what settings.SCHEDULES declares (run before workers start)."

    def handle(self, *args, **options):
        result = sync_schedules()
        if options["verbosity"] < 1:
            return
        for label, names in (
            ("created", result.created),
            ("updated", result.updated),
            ("deleted", result.deleted),
            ("unchanged", result.unchanged),
        ):
            if names:
                self.stdout.write(f"Schedules {label}: {', '.join(names)}")

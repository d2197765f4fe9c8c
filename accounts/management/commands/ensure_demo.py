from django.core.management.base import BaseCommand

from accounts.demo import DEMO_EMAIL, DEMO_PASSWORD, ensure_demo_account


class Command(BaseCommand):
    help = "Create the demo account (and its demo memorial) when they do not exist yet."

    def handle(self, *args, **options):
        user, created = ensure_demo_account()
        state = "created" if created else "already there"
        self.stdout.write(f"Demo account {state}: {DEMO_EMAIL} / {DEMO_PASSWORD}")

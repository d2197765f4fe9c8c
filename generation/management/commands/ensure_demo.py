from django.core.management.base import BaseCommand

from accounts.demo import DEMO_EMAIL, DEMO_PASSWORD, ensure_demo_account
from generation.defaults import ensure_default_styles
from generation.models import StylizationJob
from generation.services import request_artwork
from memorial.demo import ensure_demo_memorial


class Command(BaseCommand):
    help = "Create the default styles, the demo account and its demo memorial when they do not exist yet."

    def handle(self, *args, **options):
        styles = ensure_default_styles()
        user, created = ensure_demo_account()
        self.stdout.write(f"Demo account {'created' if created else 'already there'}: {DEMO_EMAIL} / {DEMO_PASSWORD}")
        memorial, created = ensure_demo_memorial(user)
        if created:
            # One painting on the way, so that the worker shows the whole flow at once.
            photo = memorial.albums.get().photos.first()
            request_artwork(photo=photo, style=styles[0], by=user)
        jobs = StylizationJob.objects.filter(memorial=memorial).count()
        self.stdout.write(f"Demo memorial: {memorial.get_absolute_url()} ({jobs} painting job(s))")

from django.core.management.base import BaseCommand

from generation.labels import label_stored_artwork
from generation.models import Artwork


class Command(BaseCommand):
    help = (
        "Write the label (IPTC digital source type in XMP, and PNG text: site, memorial, source photo, style, "
        "date) into paintings stored before paintings carried one. Paintings that have it are left alone."
    )

    def handle(self, *args, **options):
        labelled = skipped = failed = 0
        artworks = Artwork.objects.select_related("memorial", "photo", "style").order_by("pk")
        for artwork in artworks.iterator(chunk_size=100):
            try:
                if label_stored_artwork(artwork):
                    labelled += 1
                else:
                    skipped += 1
            except Exception as exc:  # one missing or broken file must not stop the others
                failed += 1
                self.stderr.write(f"Painting {artwork.pk}: {exc}")
        self.stdout.write(f"Labelled {labelled} painting(s); {skipped} already had their label; {failed} failed.")

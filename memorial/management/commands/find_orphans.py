from django.core.management.base import BaseCommand

from memorial.orphans import find_orphans


class Command(BaseCommand):
    help = "Report files in storage that no record points at, and records whose file is missing (changes nothing)."

    def handle(self, *args, **options):
        report = find_orphans()
        for storage, names in report.files_without_records.items():
            for name in names:
                self.stdout.write(f"file without a record ({storage}): {name}")
        for line in report.records_without_files:
            self.stdout.write(f"record without its file: {line}")
        if report.clean:
            self.stdout.write(self.style.SUCCESS("No orphans: every file has its record and every record its file."))
        else:
            count = sum(map(len, report.files_without_records.values())) + len(report.records_without_files)
            self.stdout.write(self.style.WARNING(f"{count} orphan(s) found."))

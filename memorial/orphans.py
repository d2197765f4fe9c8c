"""Files without records, and records without files, in every storage the site writes to."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.core.files.storage import default_storage, storages
from django.db import models


@dataclass
class OrphanReport:
    files_without_records: dict[str, list[str]] = field(default_factory=dict)  # storage -> names
    records_without_files: list[str] = field(default_factory=list)  # "app.Model pk field: name"

    @property
    def clean(self) -> bool:
        return not any(self.files_without_records.values()) and not self.records_without_files


def _walk(storage, folder: str = ""):
    directories, files = storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}" if folder else name
    for directory in directories:
        yield from _walk(storage, f"{folder}/{directory}" if folder else directory)


def _storage_label(storage) -> str:
    return "originals" if storage is storages["originals"] else "default"


# Folders the site writes to that have no record per file: training work folders, and the link
# previews' cards (made again from their photo or painting when asked for: memorial/link_preview.py).
UNTRACKED_PREFIXES = ("training/", "previews/")


def find_orphans() -> OrphanReport:
    report = OrphanReport()
    referenced: dict[str, set[str]] = {"default": set(), "originals": set()}
    for model in apps.get_models():
        file_fields = [f for f in model._meta.get_fields() if isinstance(f, models.FileField)]
        for file_field in file_fields:
            label = _storage_label(file_field.storage)
            rows = model._default_manager.exclude(**{file_field.name: ""}).values_list("pk", file_field.name)
            for pk, name in rows.iterator():
                referenced[label].add(name)
                if not file_field.storage.exists(name):
                    report.records_without_files.append(f"{model._meta.label} {pk} {file_field.name}: {name}")
    for label, storage in (("default", default_storage), ("originals", storages["originals"])):
        try:
            present = set(_walk(storage))
        except FileNotFoundError:  # a folder nothing was written to yet
            present = set()
        report.files_without_records[label] = sorted(
            name for name in present - referenced[label] if not name.startswith(UNTRACKED_PREFIXES)
        )
    return report

"""Files in storage go with their records: removed once the deleting transaction commits."""

import contextlib
import logging

from django.db import transaction

log = logging.getLogger(__name__)


def delete_files_on_commit(*fields) -> None:
    entries = [(field.storage, field.name) for field in fields if field and field.name]

    def remove():
        for storage, name in entries:
            with contextlib.suppress(FileNotFoundError):
                try:
                    storage.delete(name)
                except Exception:  # a storage outage must not break the request; orphans are reported later
                    log.exception("could not delete %s", name)

    if entries:
        transaction.on_commit(remove)

"""Files in storage go with their records: removed once the deleting transaction commits; and
how long those served may be kept by browsers and shared caches."""

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


def cache_for_viewers(response, *, public: bool):
    """A viewer's own browser keeps a served photo, painting or recording for an hour. Shared
    caches (a CDN, a proxy) keep one of a public memorial for a minute at most: a family may
    make the memorial private, and the file must stop being served to others soon after."""
    response["Cache-Control"] = "public, max-age=3600, s-maxage=60" if public else "private, max-age=3600"
    return response

"""Where photo files live.

Originals (as uploaded, metadata and all) are kept in a private storage that has no URL:
managers download them through a view that checks permission. The served sizes are
re-encoded files in the default storage, and they too are served through views that ask
`permissions` first, so a private memorial's photos never leak by address.
"""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.utils.functional import cached_property
from storages.backends.s3 import S3Storage


class PrivateFileSystemStorage(FileSystemStorage):
    """A folder outside MEDIA_ROOT that is never served by URL."""

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    @cached_property
    def location(self):
        return os.path.abspath(self.base_location)

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def url(self, name):
        raise ValueError("Private files have no public address; serve them through a view that checks permission.")


def originals_storage():
    return storages["originals"]


class PrivateS3Storage(S3Storage):
    """Originals on S3: private objects that never get an address, signed or not."""

    def url(self, name, *args, **kwargs):
        raise ValueError("Private files have no address; serve them through a view that checks permission.")

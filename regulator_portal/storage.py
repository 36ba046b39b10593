from django.core.files.storage import FileSystemStorage
from storages.backends.s3 import S3Storage

NO_URL = "private files have no URL; stream them through a permission-checked view"


class PrivateFileSystemStorage(FileSystemStorage):
    """Uploaded evidence and reply attachments: on disk, with no URL at all.

    FileSystemStorage falls back to MEDIA_URL when base_url is None, which would hand out a path a
    misconfigured web server could serve. Files leave only through permission-checked views.
    """

    def url(self, name: str | None) -> str:
        raise ValueError(NO_URL)


class PrivateS3Storage(S3Storage):
    """The same private files in an S3-compatible bucket (settings.private_storage), still with no URL.

    Even a signed URL would hand a file to whoever holds the link for its lifetime, past the view's
    permission check and its access log, so none is ever made: the views read the object through
    ``open()`` and stream it.
    """

    def url(
        self, name: str | None, parameters: object = None, expire: object = None, http_method: object = None
    ) -> str:
        raise ValueError(NO_URL)

from django.core.files.storage import FileSystemStorage


class PrivateFileSystemStorage(FileSystemStorage):
    """Uploaded evidence and reply attachments: on disk, with no URL at all.

    FileSystemStorage falls back to MEDIA_URL when base_url is None, which would hand out a path a
    misconfigured web server could serve. Files leave only through permission-checked views.
    """

    def url(self, name: str | None) -> str:
        raise ValueError("private files have no URL; stream them through a permission-checked view")

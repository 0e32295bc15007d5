"""Check digits of French identifiers, with French messages (python-stdnum does the maths)."""

from django.core.exceptions import ValidationError
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siren as stdnum_siren


def clean_siren(value: str) -> str:
    """The SIREN without spaces, or ValidationError in French.

    Nine digits whose Luhn key is right. La Poste's SIREN (356 000 000) passes the Luhn key
    too: its known exception concerns the SIRET of its establishments, not the SIREN.
    """
    compact = stdnum_siren.compact(value or "")
    if not (compact.isdigit() and len(compact) == 9):
        raise ValidationError("Le SIREN compte 9 chiffres.", code="siren")
    try:
        return stdnum_siren.validate(compact)
    except StdnumError:
        raise ValidationError(
            f"Le SIREN {compact} n'existe pas : sa clé de contrôle est fausse "
            "(vérifiez les chiffres sur l'avis de situation ou l'extrait Kbis).",
            code="siren",
        ) from None


def siren_problem(value: str) -> str:
    """The French message for a wrong SIREN, or "" when it is right."""
    try:
        clean_siren(value)
    except ValidationError as exc:
        return exc.messages[0]
    return ""


# --- Uploaded files: type by content (never by name), size -------------------------------------

UPLOAD_KINDS = {
    "pdf": "PDF",
    "image": "image (PNG, JPEG, GIF, WebP)",
    "office": "document bureautique (Word, Excel, PowerPoint, OpenDocument)",
}
_MAGIC = [
    (b"%PDF-", "pdf", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image", "image/png"),
    (b"\xff\xd8\xff", "image", "image/jpeg"),
    (b"GIF87a", "image", "image/gif"),
    (b"GIF89a", "image", "image/gif"),
    # Word 97–2003, Excel, PowerPoint (OLE2 compound file).
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "office", "application/msword"),
]
_OOXML = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def _zip_office_type(file) -> str | None:
    """The content type of an Office Open XML or OpenDocument file (both are ZIP archives), or
    None for any other archive."""
    import zipfile

    try:
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                mimetype = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                if mimetype.startswith("application/vnd.oasis.opendocument."):
                    return mimetype
            if "[Content_Types].xml" in names:
                for prefix, content_type in _OOXML.items():
                    if any(name.startswith(prefix) for name in names):
                        return content_type
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    return None


def sniff_upload(file) -> tuple[str, str] | None:
    """(kind, content type) of an uploaded file read from its first bytes (and, for office
    documents, the archive's table of contents), or None when the type is not accepted."""
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    found = None
    for magic, kind, content_type in _MAGIC:
        if head.startswith(magic):
            found = (kind, content_type)
            break
    if found is None and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        found = ("image", "image/webp")
    if found is None and head.startswith(b"PK\x03\x04"):
        content_type = _zip_office_type(file)
        found = ("office", content_type) if content_type else None
    file.seek(0)
    return found


def check_upload(
    file, kinds=("pdf", "image"), max_size: int | None = None, refused: str = ""
) -> str:
    """Refuse (ValidationError in French) a file larger than `max_size` (default
    settings.MAX_UPLOAD_SIZE) or whose content is not one of `kinds` ("pdf", "image",
    "office"), whatever its name says; return its content type, as read from the content.
    `refused` replaces the message naming the accepted types."""
    from django.conf import settings

    limit = max_size or settings.MAX_UPLOAD_SIZE
    if file.size is not None and file.size > limit:
        raise ValidationError(
            f"Le fichier dépasse {limit // (1024 * 1024)} Mo : réduisez-le ou envoyez un lien.",
            code="file_size",
        )
    found = sniff_upload(file)
    if found is None or found[0] not in kinds:
        names = [UPLOAD_KINDS[kind] for kind in kinds]
        accepted = " ou ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
        raise ValidationError(
            refused or f"Ce fichier n'est pas accepté : envoyez un fichier de type {accepted}.",
            code="file_type",
        )
    return found[1]

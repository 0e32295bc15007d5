"""The registrations' import in the URL walk: staff only (secretariat and animation)."""

from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile

from formations.imports import RegistrationImporter
from occe.core.imports import receive_upload
from occe.core.spreadsheets import write_xlsx
from tests.access import STAFF, Route


def build(world) -> SimpleNamespace:
    headers = [column.header for column in RegistrationImporter.columns]
    batch, _ = receive_upload(
        RegistrationImporter(school_year=world.year),
        SimpleUploadedFile("inscriptions.xlsx", write_xlsx(headers, [])),
        world.users["secretariat"],
        school_year=world.year,
    )
    return SimpleNamespace(batch=batch)


ROUTES = [
    Route("formations:import", STAFF),
    Route("formations:import_template", STAFF),
    Route("formations:import_preview", STAFF, {"batch_pk": "registrations_import.batch.pk"}),
]

"""What an edition produces as documents: a class's diploma (PDF)."""

import datetime

from occe.core.models import Association
from occe.core.pdf import render_pdf

from .models import ClassRegistration


def diploma_pdf(registration: ClassRegistration) -> bytes:
    return render_pdf(
        "actions/pdf/diploma.html",
        {
            "association": Association.get(),
            "registration": registration,
            "edition": registration.edition,
            "today": datetime.date.today(),
        },
    )

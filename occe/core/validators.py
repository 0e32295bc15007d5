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

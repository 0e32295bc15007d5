"""Association life: the people of the board, staff and representations (the association's
own records), and the addresses the newsletters were sent to."""

from occe.ops.retention import describe, person_data, person_eraser

from .models import NewsletterRecipient, Person

describe(
    "association.personnes",
    label="Membres du conseil, salariés, représentants (nom, courriel, téléphone, mandats)",
    purpose="Tenir la composition des instances et les comptes rendus de l'association.",
    duration="pendant les fonctions, puis dans les archives de l'association",
    order=20,
)
describe(
    "association.lettres",
    label="Destinataires des lettres d'information (adresse, date d'envoi, échec éventuel)",
    purpose="Envoyer la lettre une fois à chaque adresse et suivre les échecs.",
    duration="avec la lettre envoyée",
    order=21,
)


@person_data("vie associative")
def association_data(email: str, user):
    people = Person.objects.filter(email__iexact=email)
    if user is not None:
        people = people | Person.objects.filter(user=user)
    rows = [{"personne": row} for row in people.distinct().values()]
    sent = NewsletterRecipient.objects.filter(email__iexact=email).select_related("mailing")
    rows += [
        {"lettre": {"lettre": str(r.mailing), "statut": r.status, "envoyee_le": r.sent_at}}
        for r in sent
    ]
    return rows, []


@person_eraser("vie associative")
def association_kept(email: str, user, today):
    """Nothing erased here: the board's composition is part of the association's records; the
    secretariat corrects or removes a person in « Association › Personnes »."""
    people = Person.objects.filter(email__iexact=email)
    if user is not None:
        people = people | Person.objects.filter(user=user)
    if not people.exists():
        return 0, ""
    return 0, (
        "Vie associative : la fiche de la personne (conseil, équipe, représentations) reste dans "
        "les archives de l'association ; le secrétariat la corrige ou la supprime à la main."
    )

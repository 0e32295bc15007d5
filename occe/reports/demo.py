"""Demo data of the report: the texts of the seed report (OCCE 92) for the previous school year,
so that the current year's editor proposes them as a start."""

from occe.core.demo_apps import DemoContext
from occe.core.models import SchoolYear

from .models import SectionText

TEXTS = {
    "preambule": (
        "L'Office Central de la Coopération à l'École est une association reconnue d'utilité "
        "publique qui vise un idéal de société basée sur la coopération. L'OCCE est un mouvement "
        "laïque, pédagogique et éducatif qui ambitionne l'émancipation citoyenne de tous et "
        "toutes et lutte contre toutes formes de dominations, discriminations ou exclusions.\n\n"
        "L'OCCE œuvre avec l'ensemble de la communauté éducative, en proposant des "
        "accompagnements, formations, actions, outils, interventions autour de l'apprentissage "
        "de la coopération."
    ),
    "personnel": (
        "Trois salariées travaillent pour l'association départementale : une secrétaire "
        "administrative et deux animatrices pédagogiques, dont une enseignante détachée de "
        "l'Éducation nationale.\n\nLes missions de comptabilité sont assurées par un cabinet "
        "de comptabilité."
    ),
    "communication": (
        "L'association départementale met en avant son activité sur son site internet, "
        "régulièrement mis à jour. Elle envoie par courriel des lettres d'infos aux coopératives "
        "scolaires affiliées tous les deux mois, et réalise des flyers sur les actions "
        "départementales."
    ),
}


# The activity plan of the coming year (after the OCCE 02's plan).
PLAN_TEXTS = {
    "projet_selection": (
        "L'animatrice départementale étant seule à intervenir sur le département, des choix "
        "doivent être faits parmi les inscriptions : coopératives n'ayant jamais bénéficié "
        "d'interventions, coopératives d'un même secteur pour une même journée, motivation "
        "d'une équipe entière.\n\nUn enseignant ayant déjà bénéficié d'une action demandant une "
        "animation en classe ne peut plus bénéficier de l'accompagnement pour cette même action. "
        "Le but est de rendre les enseignants autonomes pour la suite."
    ),
    "projet_accompagnement": (
        "Accompagnement des mandataires tout au long de l'année : formations juridiques et "
        "comptables, permanences téléphoniques, visites dans les écoles, aide à l'utilisation "
        "du logiciel de comptabilité."
    ),
}


def populate(context: DemoContext) -> str:
    current = SchoolYear.objects.current()
    year = current.previous()
    following = SchoolYear.objects.get_or_create(start_year=current.start_year + 1)[0]
    for target, texts in ((year, TEXTS), (following, PLAN_TEXTS)):
        for section, text in texts.items():
            SectionText.objects.update_or_create(
                school_year=target, section=section, defaults={"text": text}
            )
    return (
        f"Rapport d'activité : {len(TEXTS)} textes de sections pour {year}, "
        f"{len(PLAN_TEXTS)} pour le projet d'activité {following}."
    )

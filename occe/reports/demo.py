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


# The activity plan of the coming year, after the seed plan (OCCE 02, 2025-2026): the texts
# staff write; the lists (sessions, editions, meetings, resources) come from the apps' data,
# planned for that year by `plan_demo` (the data each app would hold by the end of August).
PLAN_TEXTS = {
    "projet_introduction": (
        "L'Office Central de la Coopération à l'École est une association reconnue d'utilité "
        "publique qui vise un idéal de société basée sur la coopération. L'OCCE est un "
        "mouvement laïque, pédagogique et éducatif qui ambitionne l'émancipation citoyenne de "
        "tous et toutes et lutte contre toutes formes de dominations, discriminations ou "
        "exclusions.\n\n"
        "L'OCCE, association éducative complémentaire de l'enseignement public, aspire, par la "
        "promotion dans l'école publique d'une pédagogie coopérative, à développer la "
        "solidarité, l'entraide et le respect mutuel, dès le plus jeune âge.\n\n"
        "L'OCCE œuvre avec l'ensemble de la communauté éducative, en proposant des "
        "accompagnements, formations, actions, outils, interventions autour de l'apprentissage "
        "de la coopération. L'OCCE est partie prenante de multiples réseaux de partenaires : "
        "partenaires institutionnels, collectivités locales, associatifs ou militants de "
        "l'Éducation nouvelle et de l'Éducation populaire."
    ),
    "projet_accompagnement": (
        "## Accompagnement quotidien et ponctuel\n"
        "• Accompagnement au quotidien des mandataires sur la gestion de leur coopérative par "
        "mail, téléphone et parfois en présentiel : réponses aux questions, aide à la gestion, "
        "envoi de documents, prise en main du logiciel de comptabilité.\n"
        "• Accompagnement d'équipes d'écoles (projets spécifiques ou difficultés).\n"
        "## Conseils\n"
        "• Conseils juridiques et assurantiels.\n"
        "## Vérification\n"
        "• Vérification de la comptabilité de coopératives tout au long de l'année, soit sur "
        "demande, soit de notre initiative à la suite des comptes rendus financiers rendus. "
        "Suivent visites, conseils, envoi de documents.\n"
        "## Aide financière\n"
        "• Aide au financement de projets coopératifs, sur demande (dossier).\n"
        "• Réduction pour les entrées, grâce à nos partenariats.\n"
        "• Utilisation de la plateforme « La Trousse à projets ».\n"
        "## Prêt et ressources\n"
        "• Prêt gratuit de malles thématiques, de jeux et de matériel (la liste ci-dessous).\n"
        "• Ressources à télécharger, en ligne sur le site de l'association ou le site fédéral.\n"
        "• Vente d'agendas coop et de calendriers illustrés par des élèves."
    ),
    "projet_formations": (
        "Un catalogue de formations est proposé aux enseignants et aux mandataires : la gestion "
        "de l'argent à l'école, le climat scolaire et les pédagogies coopératives, les "
        "formations liées aux actions. Les durées et les places de chaque session prévue "
        "figurent ci-dessous."
    ),
    "projet_actions": (
        "Propositions envoyées dans les classes fin août.\n"
        "Les interventions en classe portent sur les jeux coopératifs physiques ou de plateau, "
        "les discussions philo, la confiance en soi, le message clair, les émotions, les droits "
        "de l'enfant, le Conseil de coopérative."
    ),
    "projet_selection": (
        "L'animatrice départementale étant seule à intervenir sur le département, des choix "
        "doivent être faits parmi les inscriptions : coopératives n'ayant jamais bénéficié "
        "d'interventions, coopératives d'un même secteur pour une même journée, motivation "
        "d'une équipe entière. Un enseignant ayant déjà bénéficié d'une action demandant une "
        "animation en classe ne peut plus bénéficier de l'accompagnement pour cette même "
        "action.\n\n"
        "Le but est de rendre les enseignants autonomes pour la suite : un livret est remis à "
        "l'issue de chaque intervention, avec les supports utilisés avec les élèves et des "
        "documents théoriques et pédagogiques."
    ),
    "projet_vie_associative": (
        "• Un conseil d'administration par période scolaire.\n"
        "• Des réunions de commissions ponctuelles (deux ou trois dans l'année).\n"
        "• Deux ou trois rencontres régionales et interrégionales.\n"
        "• Une assemblée générale départementale et deux assemblées générales fédérales."
    ),
}

DEPENDS_ON = ["formations", "actions", "prets", "occe.association"]


def populate(context: DemoContext) -> str:
    current = SchoolYear.objects.current()
    year = current.previous()
    following = SchoolYear.objects.get_or_create(start_year=current.start_year + 1)[0]
    for target, texts in ((year, TEXTS), (following, PLAN_TEXTS)):
        for section, text in texts.items():
            SectionText.objects.update_or_create(
                school_year=target, section=section, defaults={"text": text}
            )
    from .plan_demo import plan_next_year

    planned = plan_next_year(following)
    return (
        f"Rapport d'activité : {len(TEXTS)} textes de sections pour {year}, "
        f"{len(PLAN_TEXTS)} pour le projet d'activité {following} ({planned})."
    )

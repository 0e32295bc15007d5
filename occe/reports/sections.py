"""The sections of the annual activity report, in the seed report's order, and which figures
each one shows.

A section lists the keys it always shows (those of issue 14's contract: when no app provides
one, or it is None, the report says "non renseigné") and the key prefixes it takes from the
registry (the figures of every app, `occe.core.indicators.registry()`), so that a figure added
by an app later appears in its section without touching the report. A figure no prefix claims
goes to the section named by its indicator's `section`, or else to "Autres indicateurs".
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ItemTable:
    """The figures `<prefix><item>.<measure>` shown as one table: a row per item (a training,
    a kind of resource, a product, an action), a column per measure."""

    prefix: str
    title: str
    item_header: str
    measures: tuple[tuple[str, str], ...]  # (measure, column header)


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    prefixes: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()  # shown even when no app provides them
    labels: dict[str, str] = field(default_factory=dict)  # labels of keys no app declares yet
    tables: tuple[ItemTable, ...] = ()
    # Keys (patterns) the section's blocks already say: not repeated under "Autres chiffres".
    in_blocks: tuple[str, ...] = ()


MEETINGS_TABLE = ItemTable(
    "reunions.",
    "Réunions tenues, par niveau",
    "Niveau",
    (
        ("ag", "AG"),
        ("ca", "CA"),
        ("bureau", "Bureau"),
        ("commission_aap", "Comm. AAP"),
        ("commission_statuts", "Comm. statuts"),
        ("commission_aide_ad", "Comm. aide aux AD"),
        ("instance_regionale", "Inst. rég."),
        ("reunion_animateurs", "Animateurs"),
        ("autre", "Autres"),
    ),
)
LOANS_TABLE = ItemTable(
    "prets.",
    "Prêts par type de ressource",
    "Type de ressource",
    (("jours", "Jours de prêt"), ("cooperatives", "Coopératives")),
)


SECTIONS = [
    Section("preambule", "Préambule"),
    Section(
        "cooperatives",
        "Nos coopératives",
        ("cooperatives.", "adherents."),
        (
            "cooperatives.total",
            "cooperatives.premier_degre",
            "cooperatives.type.maternelle",
            "cooperatives.type.elementaire",
            "cooperatives.type.primaire",
            "cooperatives.second_degre_et_specialises",
            "cooperatives.type.college",
            "cooperatives.type.segpa",
            "cooperatives.type.lycee",
            "cooperatives.type.etablissement_specialise",
            "adherents.total",
            "adherents.classes",
            "adherents.eleves",
            "adherents.adultes",
            "adherents.evolution",
        ),
    ),
    Section(
        "vie_associative",
        "La vie associative",
        ("association.", "reunions."),
        ("association.administrateurs", "association.bureau"),
        tables=(MEETINGS_TABLE,),
    ),
    Section(
        "personnel",
        "Le personnel",
        ("association.salaries", "association.detaches"),
        ("association.salaries",),
    ),
    Section(
        "formations_equipe",
        "Les formations des salariées et des administrateurs",
        ("formations_equipe.",),
    ),
    Section("partenaires", "Nos partenaires", ("partenaires.",)),
    Section(
        "formations",
        "Nos formations",
        ("formations.",),
        tables=(
            ItemTable(
                "formations.",
                "Par formation",
                "Formation",
                (
                    ("sessions", "Sessions tenues"),
                    ("sessions_annulees", "Sessions annulées"),
                    ("participants", "Participants"),
                    ("duree", "Durée (h)"),
                    ("heures", "Heures × participants"),
                ),
            ),
        ),
    ),
    Section(
        "accompagnement",
        "Accompagnement des coops",
        (
            "crfs.",
            "controles.",
            "accompagnement.",
            "recus.",
            "aap.",
            "solidarite.",
            "trousse.",
            "subventions.",
        ),
        (
            "crfs.attendus",
            "crfs.recus",
            "crfs.acceptes",
            "crfs.en_retard",
            "crfs.signalements.papier",
            "crfs.signalements.sans_quitus",
            "crfs.signalements.solde_eleve",
            "crfs.signalements.ecart_banque",
            "controles.total",
            "controles.motif.papier",
            "controles.motif.sans_quitus",
            "controles.motif.solde_eleve",
            "controles.motif.ecart_banque",
            "accompagnement.licences_logiciel",
            "accompagnement.profils_assoconnect",
            "accompagnement.sinistres",
            "recus.demandes",
            "recus.montant",
            "recus.nombre",
            "recus.trousse.demandes",
            "recus.trousse.montant",
            "aap.dossiers_retenus",
            "aap.montant",
            "solidarite.montant",
            "trousse.reversements.projets",
            "trousse.reversements.montant",
            "subventions.communes.montant",
        ),
        {
            "crfs.attendus": "Comptes rendus financiers attendus",
            "crfs.recus": "Comptes rendus financiers reçus",
            "crfs.acceptes": "Comptes rendus financiers acceptés",
            "crfs.en_retard": "Comptes rendus financiers en retard",
            "crfs.signalements.papier": "Signalements : bilan au format papier",
            "crfs.signalements.sans_quitus": "Signalements : bilan sans quitus",
            "crfs.signalements.solde_eleve": "Signalements : solde bancaire élevé",
            "crfs.signalements.ecart_banque": "Signalements : écart comptabilité / banque",
            "controles.total": "Contrôles de coopératives",
            "controles.motif.papier": "Contrôles : bilan au format papier",
            "controles.motif.sans_quitus": "Contrôles : bilan sans quitus",
            "controles.motif.solde_eleve": "Contrôles : solde bancaire élevé",
            "controles.motif.ecart_banque": "Contrôles : écart comptabilité / banque",
            "accompagnement.sinistres": "Dossiers de sinistre (assurance MAE)",
            "aap.dossiers_retenus": "Aides à projets coopératifs : dossiers retenus",
            "aap.montant": "Aides à projets coopératifs : montant versé",
            "solidarite.montant": "Solidarité : montant versé",
            "trousse.reversements.projets": "Trousse à projets : projets reversés",
            "trousse.reversements.montant": "Trousse à projets : montant reversé",
            "subventions.communes.montant": "Subventions des communes aux coopératives",
        },
    ),
    Section(
        "ressources_et_prets",
        "Ressources et prêts",
        ("prets.", "ventes."),
        tables=(
            LOANS_TABLE,
            ItemTable(
                "ventes.",
                "Ventes par produit",
                "Produit",
                (("quantite", "Quantité vendue"), ("montant", "Montant")),
            ),
        ),
    ),
    Section(
        "communication",
        "Communication",
        ("communication.",),
        ("communication.lettres", "communication.flyers"),
        {
            "communication.lettres": "Lettres d'information envoyées",
            "communication.flyers": "Flyers réalisés",
        },
    ),
    Section("interventions", "Interventions pédagogiques", ("interventions.",)),
    Section(
        "actions",
        "Actions pédagogiques départementales",
        ("actions.",),
        tables=(
            ItemTable(
                "actions.",
                "Par action",
                "Action",
                (
                    ("classes", "Classes"),
                    ("ecoles", "Écoles"),
                    ("eleves", "Élèves"),
                    ("interventions", "Interventions"),
                    ("budget.total", "Budget total"),
                    ("budget.part_association", "Part de l'association"),
                ),
            ),
            ItemTable(
                "actions.",
                "Interventions prévues, productions et manches, par action",
                "Action",
                (
                    ("interventions_planifiees", "Interventions prévues"),
                    ("productions", "Productions envoyées"),
                    ("productions_acceptees", "Productions acceptées"),
                    ("reponses", "Réponses aux manches"),
                    ("reponses_notees", "Réponses notées"),
                    ("diplomes", "Diplômes"),
                ),
            ),
        ),
        # One block per edition (the listing `rapport.actions`) says its classes per cycle, its
        # interventions per class and who contributed how much (the workbook keeps each key).
        in_blocks=(
            "actions.*.budget.contributions*",
            "actions.*.cycles.*",
            "actions.*.interventions_par_classe",
        ),
    ),
]
OTHER = Section("autres", "Autres indicateurs")
BY_SLUG = {section.slug: section for section in [*SECTIONS, OTHER]}
# French names of the items' slugs that are not self-explanatory once humanised.
ITEM_LABELS = {
    "departemental": "Départemental",
    "regional": "Régional",
    "national": "National",
    "elementaire": "Élémentaire",
    "college": "Collège",
    "lycee": "Lycée",
    "etablissement_specialise": "Établissement spécialisé",
    "pedagogique": "Pédagogique",
    "juridique_financier": "Juridique et financier",
    "federation": "Fédération",
    "pre_cinema": "Pré-cinéma",
    "malle_thematique": "Malle thématique",
    "kit_pedagogique": "Kit pédagogique",
    "jeux_cooperatifs": "Jeux coopératifs",
    "prise_de_vue_et_son": "Matériel de prise de vue et de son",
}
# Units of the contract's keys no app declares yet (amounts print in euros).
AMOUNT_KEYS = {
    "aap.montant",
    "solidarite.montant",
    "trousse.reversements.montant",
    "subventions.communes.montant",
}


def section_of(
    key: str, declared_section: str | None = None, sections: list[Section] | None = None
) -> Section | None:
    """The section showing `key`: the longest prefix claiming it, else its declared section
    (else "Autres indicateurs"); for the activity plan (`sections` given), None if unclaimed."""
    best, length = None, 0
    for section in sections or SECTIONS:
        for prefix in section.prefixes:
            if key.startswith(prefix) and len(prefix) > length:
                best, length = section, len(prefix)
    if best is not None or sections is not None:
        return best
    return BY_SLUG.get(declared_section or "", OTHER)


# The activity plan's sections (projet d'activité): occe.reports.plan_sections.
from .plan_sections import PLAN_SECTIONS  # noqa: E402, F401

"""What the trainings keep about people: tied to their account (anonymised with it)."""

from occe.ops.retention import describe

describe(
    "formations.inscriptions",
    label="Inscriptions aux formations, présences, attestations, réponses aux questionnaires",
    purpose="Organiser les sessions, délivrer les attestations, compter les participants dans "
    "le rapport d'activité.",
    duration="tant que le compte existe ; anonymisées avec lui",
    order=40,
)

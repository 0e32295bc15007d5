"""The selection proposal for interventions, by OCCE 02's rules.

When registrations exceed the edition's capacity, the application proposes which classes get
the animators' visits; staff adjust and confirm. The rules, in order:

1. hard rule: a teacher who already had interventions for this action (any earlier edition) is
   not proposed for it again;
2. priority to coops that never had an intervention of the association (any action, or outside
   actions);
3. then classes whose whole school team is involved;
4. then grouping by sector (circonscription, else commune), so that an animator's day serves one
   sector: within a tier of equal priority, sectors already served by the proposal, then sectors
   with more classes in the tier, come first;
5. ties broken by registration date (then by number, so that the proposal is total).

Same data → same proposal. Three queries whatever the number of registrations: the
registrations with their school and sector, the teachers already served for this action, the
coops that already had an intervention.
"""

from collections import Counter
from dataclasses import dataclass, field

from occe.core.formats import date_fr

from .models import ClassRegistration, Edition, Intervention

UNDECIDED = [
    ClassRegistration.Status.INSCRITE,
    ClassRegistration.Status.ATTENTE,
    ClassRegistration.Status.RETENUE,
    ClassRegistration.Status.NON_RETENUE,
]
TAKEN = [ClassRegistration.Status.PARTICIPANTE, ClassRegistration.Status.TERMINEE]


@dataclass
class Candidate:
    registration: ClassRegistration
    sector: str
    teacher_already_served: bool = False
    coop_already_served: bool = False
    proposed: bool = False
    rank: int | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def excluded(self) -> bool:
        return self.teacher_already_served

    @property
    def reason(self) -> str:
        return " ; ".join(self.reasons)

    def priority(self) -> tuple[int, int]:
        """Rules 2 and 3: (0, 0) is the best tier."""
        return (int(self.coop_already_served), int(not self.registration.whole_team))


@dataclass
class Proposal:
    edition: Edition
    capacity: int
    taken: int
    candidates: list[Candidate]

    @property
    def proposed(self) -> list[Candidate]:
        return [c for c in self.candidates if c.proposed]

    @property
    def left_out(self) -> list[Candidate]:
        return [c for c in self.candidates if not c.proposed]

    @property
    def free(self) -> int:
        return max(self.capacity - self.taken, 0)

    def sectors(self) -> list[tuple[str, int]]:
        """The sectors of the proposed classes and how many classes each groups, largest first."""
        counts = Counter(c.sector for c in self.proposed)
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _sector(registration: ClassRegistration) -> str:
    coop = registration.cooperative
    if coop.circonscription_id:
        return f"circonscription {coop.circonscription.name}"
    return f"commune {coop.commune}"


def propose(edition: Edition) -> Proposal:
    registrations = list(
        ClassRegistration.objects.filter(edition=edition, status__in=UNDECIDED + TAKEN)
        .select_related("cooperative__circonscription", "teacher")
        .order_by("registered_at", "pk")
    )
    served_teachers = set(
        Intervention.objects.holding()
        .filter(
            edition__action_id=edition.action_id,
            edition__school_year__start_year__lt=edition.school_year.start_year,
        )
        .values_list("registration__teacher_id", flat=True)
        .distinct()
    )
    served_coops = set(
        Intervention.objects.holding()
        .exclude(edition=edition)
        .values_list("cooperative_id", flat=True)
        .distinct()
    )
    taken = sum(1 for r in registrations if r.status in TAKEN)
    capacity = edition.capacity
    candidates = [
        Candidate(
            registration=r,
            sector=_sector(r),
            teacher_already_served=r.teacher_id in served_teachers,
            coop_already_served=r.cooperative_id in served_coops,
        )
        for r in registrations
        if r.status in UNDECIDED
    ]
    action = edition.action.title
    eligible = []
    for candidate in candidates:
        if candidate.excluded:
            candidate.reasons.append(
                f"Non proposée : {candidate.registration.teacher.get_full_name()} a déjà eu "
                f"des interventions pour {action} lors d'une édition précédente (règle 1)"
            )
        else:
            eligible.append(candidate)

    ordered = _order(eligible)
    free = max(capacity - taken, 0)
    per_sector: Counter = Counter()
    for rank, candidate in enumerate(ordered, start=1):
        candidate.rank = rank
        candidate.proposed = rank <= free
        if candidate.proposed:
            per_sector[candidate.sector] += 1
    last = ordered[free - 1] if 0 < free <= len(ordered) else None
    for candidate in ordered:
        candidate.reasons = _reasons(candidate, last, free, per_sector)
    order = {id(c): n for n, c in enumerate(ordered)}
    candidates.sort(key=lambda c: (not c.proposed, c.excluded, order.get(id(c), 0)))
    return Proposal(edition=edition, capacity=capacity, taken=taken, candidates=candidates)


def _order(eligible: list[Candidate]) -> list[Candidate]:
    """Rules 2–5: tier by tier; within a tier, sectors already served by earlier tiers, then
    sectors with more classes in the tier, then the sector's name, then the registration date."""
    ordered: list[Candidate] = []
    served: Counter = Counter()
    for tier in sorted({c.priority() for c in eligible}):
        members = [c for c in eligible if c.priority() == tier]
        in_tier = Counter(c.sector for c in members)
        members.sort(
            key=lambda c: (
                -(served[c.sector] + in_tier[c.sector]),
                c.sector,
                c.registration.registered_at,
                c.registration.pk,
            )
        )
        ordered.extend(members)
        served.update(in_tier)
    return ordered


def _facts(candidate: Candidate) -> list[str]:
    registration = candidate.registration
    return [
        "coopérative déjà bénéficiaire d'interventions de l'association"
        if candidate.coop_already_served
        else "coopérative sans intervention de l'association jusqu'ici",
        "toute l'équipe de l'école s'engage"
        if registration.whole_team
        else "l'équipe de l'école n'est pas engagée en entier",
    ]


def _reasons(candidate: Candidate, last: Candidate | None, free: int, per_sector) -> list[str]:
    registration = candidate.registration
    facts = _facts(candidate)
    when = f"inscrite le {date_fr(registration.registered_at.date())}"
    if candidate.proposed:
        sector = f"{candidate.sector} ({per_sector[candidate.sector]} classe(s) proposée(s))"
        return [f"Proposée (rang {candidate.rank})", *facts, sector, when]
    if free == 0:
        return ["Non proposée : plus de place disponible", *facts, when]
    # Which rule put it after the last proposed class.
    if candidate.coop_already_served and not last.coop_already_served:
        why = "les places vont d'abord aux coopératives sans intervention (règle 2)"
    elif not registration.whole_team and last.registration.whole_team:
        why = "les places vont d'abord aux équipes engagées en entier (règle 3)"
    elif candidate.sector != last.sector:
        why = f"regroupement par secteur : {candidate.sector} passe après (règle 4)"
    else:
        why = "inscrite après les classes proposées (règle 5)"
    return [f"Non proposée (rang {candidate.rank}, {free} place(s)) : {why}", *facts, when]

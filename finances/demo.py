"""Demo finances (`manage.py demo_data`), after the department exists.

Each part of the finances adds its own data through a function of `PARTS` (dotted paths, so a
part in a module of its own — CRFS, grants — is one line here). Receipts reproduce the seed
report (OCCE 92, "REÇUS POUR DONS") for the PREVIOUS school year, scaled with the department:
508 requests forwarded by the cooperatives for 150 859 € and 166 requests through the Trousse à
projets for 14 721 €, all validated, their receipts numbered per civil year of issue. The
current year has requests in every state (the demo mandataire's coop has a draft, and a
validated request whose PDFs are rendered).
"""

import datetime
import random
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Sum
from django.utils import timezone
from django.utils.module_loading import import_string
from simple_history.utils import bulk_create_with_history

from cooperatives.models import Affiliation, Cooperative, Mandate
from occe.accounts.models import Role, User
from occe.core.demo import CHANGE_REASON, DOMAIN, FIRST_NAMES, LAST_NAMES, STREETS, _siren
from occe.core.demo_apps import DemoContext
from occe.core.formats import number
from occe.core.models import Association, Job, SchoolYear

from .models import (
    RENDER_JOB,
    Channel,
    DonationLine,
    DonationRequest,
    DonorType,
    PaymentMethod,
    Receipt,
    ReceiptCounter,
)
from .services.receipts import _group_lines, _receipt_from, issuer_snapshot

DEMO_NOT_RENDERED = (
    "Données de démonstration : les PDF de cette demande n'ont pas encore été produits. "
    "« Relancer » les produit."
)

# The finances' parts, in order; each takes the DemoContext and returns a line (or lines).
PARTS = [
    "finances.demo.populate_receipts",
    "finances.demo_grants.populate",
    "finances.demo_crfs.populate",
]

# The seed report's figures (previous school year, 625 cooperatives).
REQUESTS = 508
REQUESTS_AMOUNT = 150_859
TROUSSE_REQUESTS = 166
TROUSSE_AMOUNT = 14_721

# Typical gifts of parents and sponsors (euros), and gifts per request.
GIFTS = [20, 25, 30, 40, 50, 50, 60, 80, 100, 100, 120, 150, 200, 250, 300, 500]
LINES_PER_REQUEST = ([1, 2, 3, 4, 5, 6, 8, 10], [14, 16, 16, 14, 12, 10, 10, 8])
TROUSSE_LINES = ([1, 2, 3], [70, 22, 8])
MIN_GIFT = 10  # euros, after scaling to the report's total
COMPANIES = ["Boulangerie", "Pharmacie", "Garage", "Librairie", "Fleuriste", "Imprimerie"]
LEGAL_FORMS = ["SARL", "SAS", "EURL", "SA"]
DAY = datetime.timedelta(days=1)


def populate(context: DemoContext) -> list[str]:
    lines: list[str] = []
    for path in PARTS:
        result = import_string(path)(context)
        if result:
            lines.extend([result] if isinstance(result, str) else result)
    return lines


# --- Receipts --------------------------------------------------------------------------------


def _amounts(rng: random.Random, sizes: list[int], total: int) -> list[list[Decimal]]:
    """Gifts for requests of these sizes, in whole euros, adding up exactly to `total`."""
    raw = [[rng.choice(GIFTS) for _ in range(size)] for size in sizes]
    flat = [amount for gifts in raw for amount in gifts]
    factor = total / sum(flat)
    scaled = [max(MIN_GIFT, round(amount * factor)) for amount in flat]
    diff = total - sum(scaled)
    while diff:
        i = rng.randrange(len(scaled))
        step = 1 if diff > 0 else -1
        if scaled[i] + step >= MIN_GIFT:
            scaled[i] += step
            diff -= step
    out, start = [], 0
    for size in sizes:
        out.append([Decimal(a) for a in scaled[start : start + size]])
        start += size
    return out


def _sizes(rng: random.Random, count: int, choices: tuple, total: int) -> list[int]:
    """Gifts per request; never more gifts than euros / MIN_GIFT allow."""
    sizes = rng.choices(*choices, k=count)
    while sum(sizes) * MIN_GIFT > total and max(sizes) > 1:
        sizes[sizes.index(max(sizes))] -= 1
    return sizes


class _Donors:
    """Parents mostly, a few local businesses; the cooperative's commune."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def line(self, coop: Cooperative, company_share: float = 0.04) -> dict:
        rng = self.rng
        fields = {
            "address": f"{rng.randrange(1, 150)} {rng.choice(STREETS)}",
            "postal_code": coop.postal_code or "92000",
            "city": coop.commune or "Nanterre",
            "country": "France",
        }
        if rng.random() < company_share:
            name = f"{rng.choice(COMPANIES)} {rng.choice(LAST_NAMES)}"
            return {
                **fields,
                "donor_type": DonorType.ENTREPRISE,
                "company_name": name,
                "legal_form": rng.choice(LEGAL_FORMS),
                "siren": _siren(rng),
                "payment_method": PaymentMethod.VIREMENT,
            }
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = ""
        if rng.random() < 0.4:
            email = f"{first.lower()}.{last.lower()}.{rng.randrange(10**4)}@parents.{DOMAIN}"
            email = email.encode("ascii", "ignore").decode().replace("'", "")
        return {
            **fields,
            "donor_type": DonorType.PARTICULIER,
            "first_name": first,
            "last_name": last,
            "email": email,
            "payment_method": rng.choices(list(PaymentMethod), [10, 60, 30])[0],
        }


def _moment(day: datetime.date, rng: random.Random) -> datetime.datetime:
    return datetime.datetime(
        day.year, day.month, day.day, rng.randrange(8, 18), rng.randrange(60), tzinfo=datetime.UTC
    )


def _day(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + DAY * rng.randrange(max(1, (end - start).days + 1))


class _Builder:
    """Requests and their lines built in memory, then saved in bulk with their receipts."""

    def __init__(self, context: DemoContext, staff: User, creators: dict):
        self.rng = context.rng("finances-receipts")
        self.today = timezone.localdate()
        self.donors = _Donors(self.rng)
        self.staff = staff
        self.creators = creators  # coop id → its principal mandataire
        self.requests: list[DonationRequest] = []
        self.lines: list[list[DonationLine]] = []

    def add(
        self,
        coop,
        amounts,
        first_gift,
        last_gift,
        status,
        channel=Channel.COOPERATIVE,
        group=False,
    ):
        rng = self.rng
        creator = self.creators.get(coop.pk, self.staff)
        days = sorted(_day(rng, first_gift, last_gift) for _ in amounts)
        trousse = channel == Channel.TROUSSE
        lines = []
        for position, (amount, day) in enumerate(zip(amounts, days, strict=True)):
            donor = self.donors.line(coop, company_share=0 if trousse else 0.04)
            if trousse:
                donor["payment_method"] = PaymentMethod.VIREMENT
            lines.append(DonationLine(position=position, amount=amount, date=day, **donor))
        if group and len(lines) > 1:
            # A parent who gave twice in the year: one summary receipt for both.
            for name in ("donor_type", "first_name", "last_name", "email", "address"):
                setattr(lines[1], name, getattr(lines[0], name))
            for name in ("company_name", "legal_form", "siren"):
                setattr(lines[1], name, getattr(lines[0], name))
            if lines[1].date.year != lines[0].date.year:
                lines[1].date = lines[0].date
        submitted = min(last_gift, days[-1] + DAY * rng.randrange(1, 20))
        request = DonationRequest(
            cooperative=coop,
            channel=channel,
            status=status,
            group_by_donor=group,
            email_donors=rng.random() < 0.5,
            certified=status != DonationRequest.Status.DRAFT,
            created_by=self.staff if trousse else creator,
            created_at=_moment(submitted - DAY * rng.randrange(0, 4), rng),
        )
        if status != DonationRequest.Status.DRAFT:
            request.submitted_at = _moment(submitted, rng)
            request.submitted_by = request.created_by
        if status in (
            DonationRequest.Status.VALIDATED,
            DonationRequest.Status.REJECTED,
            DonationRequest.Status.TO_CORRECT,
        ):
            decided = min(submitted + DAY * rng.randrange(1, 10), max(submitted, self.today))
            request.decided_at = max(request.submitted_at, _moment(decided, rng))
            request.decided_by = self.staff
        if status == DonationRequest.Status.REJECTED:
            request.reason = (
                "Participation des familles à la sortie scolaire : ce n'est pas un don."
            )
        if status == DonationRequest.Status.TO_CORRECT:
            request.reason = "Adresse du donateur incomplète : à compléter."
        self.requests.append(request)
        self.lines.append(lines)

    def save(self, association: Association, today: datetime.date) -> list[Receipt]:
        requests = bulk_create_with_history(
            self.requests, DonationRequest, default_change_reason=CHANGE_REASON
        )
        if not requests[0].pk:  # backends without RETURNING
            requests = list(DonationRequest.objects.order_by("pk"))[-len(self.requests) :]
        for request, lines in zip(requests, self.lines, strict=True):
            for line in lines:
                line.request = request
        all_lines = [line for lines in self.lines for line in lines]
        bulk_create_with_history(all_lines, DonationLine, default_change_reason=CHANGE_REASON)
        receipts, groups = self._receipts(requests, association, today)
        bulk_create_with_history(receipts, Receipt, default_change_reason=CHANGE_REASON)
        if receipts and not receipts[0].pk:
            by_number = dict(Receipt.objects.values_list("number", "pk"))
            for receipt in receipts:
                receipt.pk = by_number[receipt.number]
        receipted = []
        for group, receipt in zip(groups, receipts, strict=True):
            for line in group:
                line.receipt = receipt
                receipted.append(line)
        DonationLine.objects.bulk_update(receipted, ["receipt"], batch_size=500)
        return receipts

    def _receipts(self, requests, association, today):
        """The validated requests' receipts, numbered per civil year in order of issue."""
        base = None
        issued = []
        for request, lines in zip(requests, self.lines, strict=True):
            if request.status != DonationRequest.Status.VALIDATED:
                continue
            if base is None:
                base = issuer_snapshot(association, request.cooperative)
            issuer = {
                **base,
                "cooperative_name": request.cooperative.name,
                "cooperative_number": request.cooperative.number,
            }
            for group in _group_lines(request, lines):
                issued.append((request.decided_at, request, group, issuer))
        issued.sort(key=lambda item: (item[0], item[1].pk))
        prefix = association.receipt_number_prefix
        counters: dict[int, int] = {}
        receipts, groups = [], []
        for moment, request, group, issuer in issued:
            year = timezone.localdate(moment).year
            sequence = counters[year] = counters.get(year, 0) + 1
            emailed = request.email_donors and group[0].email
            receipts.append(
                _receipt_from(
                    group,
                    year=year,
                    sequence=sequence,
                    number=Receipt.format_number(year, sequence, prefix),
                    request=request,
                    cooperative=request.cooperative,
                    issued_at=moment,
                    issued_by=self.staff,
                    issuer=issuer,
                    email_status=Receipt.EmailStatus.SENT if emailed else "",
                    email_queued_at=moment if emailed else None,
                    email_sent_at=moment + datetime.timedelta(minutes=2) if emailed else None,
                )
            )
            groups.append(group)
        for year, last in counters.items():
            ReceiptCounter.objects.update_or_create(
                year=year, defaults={"last_number": last, "prefix": prefix}
            )
        return receipts, groups


def _split_total(rng, count: int, total: int, choices: tuple) -> list[list[Decimal]]:
    return _amounts(rng, _sizes(rng, count, choices, total), total) if count else []


def populate_receipts(context: DemoContext) -> str:
    association = Association.get()
    current = SchoolYear.objects.current()
    previous = current.previous()
    today = timezone.localdate()
    staff = User.objects.filter(role=Role.SECRETARIAT).order_by("pk").first()
    affiliated = Affiliation.objects.filter(
        school_year=previous, status=Affiliation.Status.VALIDATED
    ).values("cooperative")
    coops = list(Cooperative.objects.filter(pk__in=affiliated).order_by("number"))
    if staff is None or not coops:
        return "Reçus fiscaux : aucune coopérative affiliée, aucune demande créée."
    creators = {
        m.cooperative_id: m.user
        for m in Mandate.objects.filter(kind=Mandate.Kind.PRINCIPAL).order_by("start_date")
    }
    builder = _Builder(context, staff, creators)
    rng = builder.rng

    # The demo year: the report's requests, gifts from September to mid-June, all validated.
    first_gift, last_gift = previous.start_date, previous.end_date - DAY * 60
    count, total = context.scaled(REQUESTS, minimum=1), round(REQUESTS_AMOUNT * context.ratio)
    # The demo mandataire's coop (the first) has its requests too; a few coops ask often.
    weights = [3 if i == 0 else rng.choice([1, 1, 1, 2, 4]) for i in range(len(coops))]
    askers = [coops[0], *rng.choices(coops, weights, k=count - 1)]
    for coop, amounts in zip(
        askers, _split_total(rng, count, total, LINES_PER_REQUEST), strict=True
    ):
        builder.add(
            coop,
            amounts,
            first_gift,
            last_gift,
            DonationRequest.Status.VALIDATED,
            group=len(amounts) > 1 and rng.random() < 0.1,
        )
    t_count = context.scaled(TROUSSE_REQUESTS, minimum=1)
    t_total = round(TROUSSE_AMOUNT * context.ratio)
    for amounts in _split_total(rng, t_count, t_total, TROUSSE_LINES):
        builder.add(
            rng.choice(coops),
            amounts,
            first_gift,
            last_gift,
            DonationRequest.Status.VALIDATED,
            channel=Channel.TROUSSE,
        )

    # This year so far: staff have requests to review, the demo mandataire a draft.
    start = current.start_date
    states = [DonationRequest.Status.VALIDATED] * 6 + [
        DonationRequest.Status.SUBMITTED,
        DonationRequest.Status.SUBMITTED,
        DonationRequest.Status.SUBMITTED,
        DonationRequest.Status.TO_CORRECT,
        DonationRequest.Status.REJECTED,
        DonationRequest.Status.DRAFT,
    ]
    now_count = max(len(states), context.scaled(60))
    now_states = states + rng.choices(states, k=now_count - len(states))
    mine = [DonationRequest.Status.VALIDATED, DonationRequest.Status.DRAFT]
    for i, status in enumerate(mine + now_states):
        coop = coops[0] if i < len(mine) else rng.choice(coops)
        size = rng.choices(*LINES_PER_REQUEST)[0]
        amounts = [Decimal(rng.choice(GIFTS)) for _ in range(size)]
        builder.add(coop, amounts, start, max(start, today - DAY * 3), status)
    receipts = builder.save(association, today)
    _render_some(receipts, coops[0])
    demo_year = previous.label
    return (
        f"Reçus fiscaux {demo_year} : {number(count)} demandes des coopératives pour "
        f"{number(total)} €, {number(t_count)} demandes de la Trousse à projets pour "
        f"{number(t_total)} € ; {number(len(receipts))} reçus émis en tout."
    )


def _render_some(receipts: list[Receipt], coop: Cooperative) -> None:
    """The PDFs of the demo mandataire's receipts of this year, so a download works at once;
    the others by the secretariat's « Relancer » on the request's page (rendering thousands
    of PDFs here would make the demo take minutes): each of those requests gets a stopped
    rendering job saying so."""
    from .tasks.receipts import render_batch  # after the models: tasks import the rendering

    latest = max((r.issued_at for r in receipts if r.cooperative_id == coop.pk), default=None)
    if latest is None:
        return
    ids = [r.pk for r in receipts if r.cooperative_id == coop.pk and r.issued_at == latest]
    rendered = set(ids[:25])
    render_batch(ids[:25])
    _stopped_rendering_jobs([r for r in receipts if r.pk not in rendered])


def _stopped_rendering_jobs(receipts: list[Receipt]) -> None:
    """One failed rendering job per request whose PDFs the demo did not make: its « Relancer »
    (secretariat) renders them, as after a real interruption."""
    by_request: dict[int, list[int]] = {}
    for receipt in receipts:
        by_request.setdefault(receipt.request_id, []).append(receipt.pk)
    content_type = ContentType.objects.get_for_model(DonationRequest)
    now = timezone.now()
    Job.objects.bulk_create(
        Job(
            kind=RENDER_JOB,
            status=Job.Status.FAILED,
            total=len(ids),
            parameters={"receipts": sorted(ids)},
            content_type=content_type,
            object_id=request_id,
            finished_at=now,
            error=DEMO_NOT_RENDERED,
        )
        for request_id, ids in by_request.items()
    )


def demo_year_figures(year: SchoolYear) -> dict[str, tuple[int, Decimal]]:
    """{channel: (validated requests submitted in the school year, their receipts' amount)}."""
    figures = {}
    for channel in Channel:
        requests = DonationRequest.objects.filter(
            channel=channel,
            status=DonationRequest.Status.VALIDATED,
            submitted_at__date__gte=year.start_date,
            submitted_at__date__lte=year.end_date,
        )
        amount = Receipt.objects.filter(request__in=requests).aggregate(total=Sum("amount"))[
            "total"
        ]
        figures[channel.value] = (requests.count(), amount or Decimal("0"))
    return figures

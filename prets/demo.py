"""Demo loans and sales (`manage.py demo_data`), after the department exists.

The resources of the seed report (OCCE 92, "Ressources et prêts"), the federation's kits and
OCCE 02's themed trunks, with, for the PREVIOUS school year (the one the report describes),
loans giving exactly the report's figures per type of resource:

- théâtre, cinéma, poésie (ouvrages): 222 days, 2 coops;  land art (malle): 6 months, 1 coop;
- jeux coopératifs: 53 days, 4 coops;  prise de vue et de son: 133 days, 8 coops;
- lotos: 84 days, 6 coops;  pré-cinéma, kits, OCCE 02's trunks: no figure in the report, no loan.

And the year's sales: agendas 0 (cycle 1), 370 (cycle 2), 65 (cycle 3); 1 936 "Lire c'est
partir" books; calendars. The current year has a few loans in every state (one overdue) and a
few orders. The association's own equipment does not grow with the department: the same loans
at every scale (coops drawn among the affiliated ones).
"""

import datetime
import random
from collections import defaultdict
from decimal import Decimal

from django.db.models import Max
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from cooperatives.models import Affiliation, Mandate
from occe.accounts.models import Role, User
from occe.core.demo import DOMAIN
from occe.core.demo_apps import DemoContext
from occe.core.models import SchoolYear

from .models import (
    Condition,
    ContentItem,
    Copy,
    Order,
    OrderLine,
    OverdueReminder,
    PaymentMethod,
    Product,
    Reservation,
    Resource,
    ResourceKind,
    Status,
    Theme,
)

DAY = datetime.timedelta(days=1)
CHANGE_REASON = "Données de démonstration"

# key: (kind, title, description, [(inventory number, label)], max days, delay, themes, contents)
RESOURCES = {
    "theatre": (
        ResourceKind.OUVRAGES,
        "Ressources théâtre jeunesse",
        "Pièces de théâtre jeunesse et fichiers de mise en scène pour la classe.",
        [("OUV-THE-01", "")],
        120,
        3,
        ["THEA"],
        ["12 × Pièce de théâtre jeunesse (lot de 6)", "Fichier de mise en scène"],
    ),
    "cinema": (
        ResourceKind.OUVRAGES,
        "Ressources cinéma",
        "Ouvrages et DVD pour découvrir le cinéma avec les élèves.",
        [("OUV-CIN-01", "")],
        120,
        3,
        ["Les Écoles qui filment"],
        ["8 × Ouvrage sur le cinéma", "4 × DVD de courts métrages", "Cahier de cinéma"],
    ),
    "poesie": (
        ResourceKind.OUVRAGES,
        "Ressources poésie",
        "Recueils de poésie jeunesse.",
        [("OUV-POE-01", "")],
        120,
        3,
        ["Land art et poésie", "La Picardie en poésie"],
        ["15 × Recueil de poésie"],
    ),
    "land_art": (
        ResourceKind.MALLE,
        "Malle land art",
        "Outils, appareils photo et livres pour créer des œuvres avec la nature.",
        [("MAL-LAN-01", "")],
        200,
        7,
        ["Land art et poésie"],
        ["10 × Sécateur enfant", "2 × Appareil photo", "6 × Livre de land art", "Ficelle"],
    ),
    "jeux": (
        ResourceKind.JEUX,
        "Jeux coopératifs",
        "Une valise de jeux de plateau où l'on gagne ou perd tous ensemble.",
        [("JEU-01", "Valise bleue"), ("JEU-02", "Valise verte")],
        21,
        2,
        ["Cause des enfants"],
        ["8 × Jeu de plateau coopératif", "Catalogue de jeux coopératifs"],
    ),
    "pre_cinema": (
        ResourceKind.PRE_CINEMA,
        "Mallette de pré-cinéma",
        "Thaumatropes, folioscopes, zootrope et praxinoscope pour comprendre l'image animée.",
        [("PRE-01", ""), ("PRE-02", "")],
        21,
        2,
        ["Les Écoles qui filment"],
        ["Zootrope", "Praxinoscope", "20 × Thaumatrope", "10 × Folioscope"],
    ),
    "camera": (
        ResourceKind.PRISE_DE_VUE,
        "Kit caméra et prise de son",
        "Caméra, micro, trépied et éclairage pour tourner un film avec sa classe.",
        [("CAM-01", "Kit 1"), ("CAM-02", "Kit 2")],
        21,
        2,
        ["Les Écoles qui filment"],
        [
            "Caméra",
            "Micro perche",
            "Trépied",
            "2 × Batterie",
            "Carte mémoire",
            "Casque audio",
            "Éclairage LED",
        ],
    ),
    "loto_emotions": (
        ResourceKind.LOTO,
        "Loto des émotions",
        "Un loto pour apprendre à nommer ses émotions.",
        [("LOT-01", "")],
        21,
        2,
        [],
        ["6 × Carton de jeu", "36 × Jeton image", "Règle du jeu"],
    ),
    "loto_cooperation": (
        ResourceKind.LOTO,
        "Loto de la coopération",
        "Un loto sur les gestes de la coopération en classe.",
        [("LOT-02", "")],
        21,
        2,
        [],
        ["6 × Carton de jeu", "36 × Jeton image", "Règle du jeu"],
    ),
    "droits": (
        ResourceKind.KIT,
        "Les droits de l'enfant",
        "Kit pédagogique de la Fédération nationale de l'OCCE.",
        [("KIT-DDE-01", "")],
        30,
        2,
        ["Cause des enfants"],
        ["Livret pédagogique", "20 × Affiche", "Jeu de cartes"],
    ),
    "porte_disparu": (
        ResourceKind.KIT,
        "Porté disparu",
        "Kits d'espèces menacées de la Fédération nationale de l'OCCE : une espèce par kit.",
        [
            ("KIT-PD-01", "Lynx boréal"),
            ("KIT-PD-02", "Loup gris"),
            ("KIT-PD-03", "Ours brun"),
            ("KIT-PD-04", "Tortue d'Hermann"),
            ("KIT-PD-05", "Grand hamster d'Alsace"),
            ("KIT-PD-06", "Vison d'Europe"),
        ],
        30,
        2,
        ["Porté disparu"],
        ["Fiche espèce", "Album jeunesse", "Maquette"],
    ),
    "consomacteur": (
        ResourceKind.KIT,
        "Consom'acteur",
        "Kit de la Fédération nationale sur l'économie sociale et solidaire.",
        [("KIT-ESS-01", "")],
        30,
        2,
        [],
        ["Livret pédagogique", "Jeu de rôle"],
    ),
    "ecocoop": (
        ResourceKind.MALLE,
        "Malle Écocoop",
        "Malle thématique de l'OCCE 02 sur l'environnement, prêtée gratuitement.",
        [("MAL-ECO-01", "")],
        42,
        3,
        ["Porté disparu"],
        ["12 × Album", "Jeu de l'oie du tri", "Loupes"],
    ),
    "lecture": (
        ResourceKind.MALLE,
        "Malle lecture",
        "Malle de l'OCCE 02 : albums et romans pour la classe.",
        [("MAL-LEC-01", "")],
        42,
        3,
        ["Étamine"],
        ["30 × Album ou roman"],
    ),
    "etamine": (
        ResourceKind.MALLE,
        "Malles Étamine",
        "Les livres produits par les classes les années précédentes (OCCE 02).",
        [("MAL-ETA-01", "Malle 1"), ("MAL-ETA-02", "Malle 2")],
        42,
        3,
        ["Étamine"],
        ["25 × Livre de classe"],
    ),
}

# The previous school year's loans: per group of resources, one (resource, days) per loan and
# the number of distinct coops, giving the report's figures exactly.
PREVIOUS_LOANS = [
    # 222 days, 2 coops: the first coop borrows théâtre then poésie, the second cinéma.
    ([("theatre", 100), ("poesie", 50), ("cinema", 72)], [0, 0, 1]),
    ([("land_art", None)], [0]),  # six months: 5 January to 5 July
    ([("jeux", 14), ("jeux", 14), ("jeux", 13), ("jeux", 12)], [0, 1, 2, 3]),
    ([("camera", 17)] * 5 + [("camera", 16)] * 3, list(range(8))),
    ([("loto_emotions", 14)] * 3 + [("loto_cooperation", 14)] * 3, list(range(6))),
]

# (name, slug, price, stock now, window, sold last year)
PRODUCTS = [
    ("Agenda coop cycle 1", "agenda_cycle_1", "7.50", 120, None, 0),
    ("Agenda coop cycle 2", "agenda_cycle_2", "7.50", 410, None, 370),
    ("Agenda coop cycle 3", "agenda_cycle_3", "7.50", 185, None, 65),
    ("Livres « Lire c'est partir »", "lire_c_est_partir", "0.80", 2400, None, 1936),
    ("Calendrier illustré par les élèves", "calendrier", "5.00", 300, "autumn", 240),
]


def populate(context: DemoContext) -> list[str]:
    rng = context.rng("prets")
    current = SchoolYear.objects.current()
    previous = current.previous()
    today = timezone.localdate()
    staff = User.objects.filter(role=Role.SECRETARIAT).order_by("pk").first()
    coops_last_year = list(
        Affiliation.objects.filter(
            school_year=previous, status=Affiliation.Status.VALIDATED
        ).values_list("cooperative_id", flat=True)
    )
    coops_now = list(
        Affiliation.objects.filter(school_year=current)
        .exclude(cooperative__status="radiee")
        .values_list("cooperative_id", flat=True)
    )
    if not coops_last_year or staff is None:
        return "Prêts et ventes : pas de coopérative affiliée, rien n'est créé."
    borrowers = _borrowers()

    resources, copies = _resources(previous)
    loans = _previous_loans(rng, previous, resources, copies, coops_last_year, borrowers, staff)
    loans += _current_loans(rng, current, today, resources, copies, coops_now, borrowers, staff)
    Reservation.objects.bulk_create(loans)
    overdue = [r for r in loans if r.status == Status.HANDED_OVER and r.end_date < today - DAY]
    OverdueReminder.objects.bulk_create(
        OverdueReminder(
            reservation=r,
            number=1,
            sent_on=r.end_date + DAY,
            recipients=", ".join(r.borrower_emails()),
        )
        for r in overdue
    )
    orders = _sales(rng, previous, current, today, coops_last_year, coops_now, borrowers, staff)
    return [
        f"Prêts : {len(resources)} ressources, {sum(map(len, copies.values()))} exemplaires, "
        f"{len(loans)} réservations ({sum(r.handed_over_on is not None for r in loans)} prêts remis).",
        f"Ventes : {len(PRODUCTS)} produits, {orders} commandes.",
    ]


def _borrowers() -> dict[int, int]:
    """Each coop's mandataire (the latest principal), who reserves and orders for it."""
    rows = (
        Mandate.objects.filter(kind=Mandate.Kind.PRINCIPAL)
        .values("cooperative_id")
        .annotate(latest=Max("start_date"))
    )
    latest = {row["cooperative_id"]: row["latest"] for row in rows}
    return {
        coop_id: user_id
        for coop_id, user_id, start in Mandate.objects.filter(
            kind=Mandate.Kind.PRINCIPAL
        ).values_list("cooperative_id", "user_id", "start_date")
        if latest.get(coop_id) == start
    }


def _resources(previous: SchoolYear) -> tuple[dict[str, Resource], dict[str, list[Copy]]]:
    created = timezone.make_aware(
        datetime.datetime.combine(previous.start_date - 60 * DAY, datetime.time(9))
    )
    themes = {
        name: Theme.objects.get_or_create(name=name)[0]
        for spec in RESOURCES.values()
        for name in spec[6]
    }
    resources = {
        key: Resource(
            kind=kind,
            title=title,
            description=description,
            max_loan_days=max_days,
            checking_delay_days=delay,
            created_at=created,
        )
        for key, (kind, title, description, _, max_days, delay, _, _) in RESOURCES.items()
    }
    bulk_create_with_history(
        list(resources.values()), Resource, default_change_reason=CHANGE_REASON
    )
    resources = {r.title: r for r in Resource.objects.filter(created_at=created)}
    resources = {key: resources[spec[1]] for key, spec in RESOURCES.items()}
    Resource.themes.through.objects.bulk_create(
        Resource.themes.through(resource_id=resources[key].pk, theme_id=themes[name].pk)
        for key, spec in RESOURCES.items()
        for name in spec[6]
    )
    ContentItem.objects.bulk_create(
        ContentItem(resource=resources[key], label=label, quantity=int(quantity), position=n)
        for key, spec in RESOURCES.items()
        for n, (quantity, label) in enumerate(_content(line) for line in spec[7])
    )
    copies = [
        Copy(
            resource=resources[key],
            inventory_number=number,
            label=label,
            location="Local de l'association, Nanterre",
        )
        for key, spec in RESOURCES.items()
        for number, label in spec[3]
    ]
    bulk_create_with_history(copies, Copy, default_change_reason=CHANGE_REASON)
    by_number = {
        c.inventory_number: c for c in Copy.objects.filter(resource__in=resources.values())
    }
    return resources, {
        key: [by_number[number] for number, _ in spec[3]] for key, spec in RESOURCES.items()
    }


def _content(line: str) -> tuple[str, str]:
    quantity, _, label = line.partition(" × ")
    return (quantity, label) if label else ("1", line)


def _loan(resource, copy, coop_id, user_id, start, end, **fields) -> Reservation:
    return Reservation(
        resource=resource,
        copy=copy,
        cooperative_id=coop_id,
        requested_by_id=user_id,
        start_date=start,
        end_date=end,
        available_again_on=end + resource.checking_delay_days * DAY,
        created_at=timezone.make_aware(
            datetime.datetime.combine(start - 20 * DAY, datetime.time(10))
        ),
        **fields,
    )


def _returned(loan: Reservation, staff, returned_on: datetime.date, closed=True) -> Reservation:
    loan.status = Status.CLOSED if closed else Status.RETURNED
    loan.decided_by = loan.handed_over_by = loan.returned_by = staff
    loan.decided_at = loan.created_at + DAY
    loan.handed_over_on = loan.start_date
    loan.handover_condition = loan.return_condition = Condition.BON
    loan.contents_checked = True
    loan.returned_on = returned_on
    if closed:
        loan.closed_at = timezone.make_aware(
            datetime.datetime.combine(returned_on + DAY, datetime.time(11))
        )
    return loan


def _previous_loans(rng, year, resources, copies, coops, borrowers, staff) -> list[Reservation]:
    """Each copy's loans follow each other through the year, never overlapping: days between
    hand-over and return exactly as listed (returned on its end date)."""
    loans = []
    cursor = {}  # copy id -> first free day
    for specs, coop_slots in PREVIOUS_LOANS:
        drawn = rng.sample(coops, min(len(coops), max(coop_slots) + 1))
        for (key, days), slot in zip(specs, coop_slots, strict=True):
            resource = resources[key]
            coop_id = drawn[slot % len(drawn)]
            if days is None:  # land art: six months
                start = datetime.date(year.start_year + 1, 1, 5)
                end = datetime.date(year.start_year + 1, 7, 5)
            else:
                copy = min(copies[key], key=lambda c: cursor.get(c.pk, year.start_date))
                begin = cursor.get(copy.pk, year.start_date + 10 * DAY)
                start = begin + rng.randrange(3, 25) * DAY
                end = start + days * DAY
            copy = copies[key][0] if days is None else copy
            loan = _loan(resource, copy, coop_id, borrowers.get(coop_id, staff.pk), start, end)
            loans.append(_returned(loan, staff, end))
            cursor[copy.pk] = loan.available_again_on
    return loans


def _current_loans(
    rng, year, today, resources, copies, coops, borrowers, staff
) -> list[Reservation]:
    """The year so far: a closed loan, an overdue one, one out, one to hand over today, one
    confirmed and two requests (the demo mandataire's coop has one of each of the last)."""
    if not coops:
        return []
    mine = (
        Mandate.objects.filter(user__email=f"mandataire@{DOMAIN}")
        .values_list("cooperative_id", flat=True)
        .first()
    )
    others = [c for c in coops if c != mine] or coops
    pick = rng.sample(others, min(len(others), 5))
    coop = [pick[i % len(pick)] for i in range(5)]
    own = mine or coop[0]

    def user(coop_id):
        return borrowers.get(coop_id, staff.pk)

    loans = []
    first = year.start_date
    early_end = first + 14 * DAY
    if early_end < today - DAY:  # a closed loan of September
        loan = _loan(
            resources["loto_emotions"],
            copies["loto_emotions"][0],
            coop[0],
            user(coop[0]),
            first + 7 * DAY,
            early_end,
        )
        loans.append(_returned(loan, staff, early_end))
    overdue_start, overdue_end = max(first, today - 24 * DAY), today - 4 * DAY
    if overdue_end >= overdue_start:  # out since, four days late
        loan = _loan(
            resources["jeux"], copies["jeux"][0], coop[1], user(coop[1]), overdue_start, overdue_end
        )
        loans.append(_handed_over(loan, staff))
    out_start = max(first, today - 3 * DAY)
    loan = _loan(
        resources["camera"],
        copies["camera"][1],
        coop[2],
        user(coop[2]),
        out_start,
        today + 10 * DAY,
    )
    loans.append(_handed_over(loan, staff))
    loan = _loan(
        resources["pre_cinema"],
        copies["pre_cinema"][0],
        coop[3],
        user(coop[3]),
        today,
        today + 10 * DAY,
        status=Status.CONFIRMED,
        decided_by=staff,
    )
    loans.append(loan)
    loans.append(
        _loan(
            resources["camera"],
            copies["camera"][0],
            own,
            user(own),
            today + 7 * DAY,
            today + 20 * DAY,
            status=Status.CONFIRMED,
            decided_by=staff,
        )
    )
    loans.append(
        _loan(
            resources["loto_emotions"],
            copies["loto_emotions"][0],
            own,
            user(own),
            today + 14 * DAY,
            today + 27 * DAY,
        )
    )
    loans.append(
        _loan(
            resources["ecocoop"],
            copies["ecocoop"][0],
            coop[4],
            user(coop[4]),
            today + 21 * DAY,
            today + 41 * DAY,
        )
    )
    for loan in loans:
        if loan.status == Status.CONFIRMED:
            loan.decided_at = loan.created_at + DAY
    return loans


def _handed_over(loan: Reservation, staff) -> Reservation:
    loan.status = Status.HANDED_OVER
    loan.decided_by = loan.handed_over_by = staff
    loan.decided_at = loan.created_at + DAY
    loan.handed_over_on = loan.start_date
    loan.handover_condition = Condition.BON
    loan.contents_checked = True
    return loan


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """`total` in `parts` positive parts of random sizes."""
    if total == 0 or parts == 0:
        return []
    parts = min(parts, total)
    cuts = sorted(rng.sample(range(1, total), parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


def _sales(rng, previous, current, today, coops_last_year, coops_now, borrowers, staff) -> int:
    created = timezone.make_aware(
        datetime.datetime.combine(previous.start_date - 90 * DAY, datetime.time(9))
    )
    products = []
    for name, slug, price, stock, window, _ in PRODUCTS:
        product = Product(
            name=name,
            slug=slug,
            price=Decimal(price),
            stock=stock,
            max_per_order=2000,
            created_at=created,
        )
        if window == "autumn":
            product.orders_open_on = datetime.date(current.start_year, 10, 1)
            product.orders_close_on = datetime.date(current.start_year, 12, 15)
        products.append(product)
    Product.objects.bulk_create(products)
    products = {p.slug: p for p in Product.objects.filter(created_at=created)}

    # Last year: each product's total split over orders, each order a coop's.
    per_coop = defaultdict(lambda: defaultdict(int))
    for _, slug, _, _, _, sold in PRODUCTS:
        for quantity in _split(sold, max(1, sold // 30), rng):
            per_coop[rng.choice(coops_last_year)][slug] += quantity
    orders, lines = [], []
    for coop_id, quantities in per_coop.items():
        ordered_on = previous.start_date + rng.randrange(5, 60) * DAY
        order = _order(coop_id, borrowers.get(coop_id, staff.pk), ordered_on)
        order.status = Order.Status.PAID
        order.prepared_at = order.created_at + DAY
        order.delivered_on = ordered_on + 7 * DAY
        order.delivered_by = staff
        order.paid_on = ordered_on + 30 * DAY
        order.payment_method = rng.choice([PaymentMethod.CHEQUE, PaymentMethod.VIREMENT])
        orders.append(order)
        lines.append(quantities)

    # This year: a few orders in every state.
    states = [
        Order.Status.ORDERED,
        Order.Status.ORDERED,
        Order.Status.PREPARED,
        Order.Status.HANDED_OVER,
        Order.Status.SHIPPED,
        Order.Status.PAID,
    ]
    for state, coop_id in zip(states, rng.sample(coops_now, min(len(coops_now), 6)), strict=False):
        ordered_on = max(current.start_date, today - rng.randrange(2, 40) * DAY)
        order = _order(coop_id, borrowers.get(coop_id, staff.pk), ordered_on)
        order.status = state
        if state != Order.Status.ORDERED:
            order.prepared_at = order.created_at + DAY
        if state in (Order.Status.HANDED_OVER, Order.Status.SHIPPED, Order.Status.PAID):
            order.delivered_on = min(today, ordered_on + 3 * DAY)
            order.delivered_by = staff
        if state == Order.Status.PAID:
            order.paid_on, order.payment_method = order.delivered_on, PaymentMethod.VIREMENT
        orders.append(order)
        lines.append(
            {
                rng.choice(["agenda_cycle_2", "agenda_cycle_3"]): rng.randrange(20, 60),
                "lire_c_est_partir": rng.randrange(25, 120),
            }
        )
    Order.objects.bulk_create(orders)
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order, product=products[slug], quantity=quantity, unit_price=products[slug].price
        )
        for order, quantities in zip(orders, lines, strict=True)
        for slug, quantity in quantities.items()
    )
    return len(orders)


def _order(coop_id: int, user_id: int, ordered_on: datetime.date) -> Order:
    return Order(
        cooperative_id=coop_id,
        requested_by_id=user_id,
        created_at=timezone.make_aware(datetime.datetime.combine(ordered_on, datetime.time(14))),
    )

"""The activity plan of the demo data looks like the seed plan (OCCE 02, 2025-2026): next
year's trainings under their themes with hours and places, the actions under their modes, the
selection rules, the meetings planned, the resources lent."""

import io

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from occe.core.models import SchoolYear
from occe.reports.plan import generate_plan

pytestmark = pytest.mark.django_db


def test_demo_plan_follows_the_seed():
    call_command("demo_data", "--force", "--scale", "test", "--seed", "1", stdout=io.StringIO())
    following = SchoolYear.objects.get(start_year=SchoolYear.objects.current().start_year + 1)
    output = generate_plan(following)
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(output.pdf)).pages]
    text = " ".join(" ".join(pages).replace("•", " ").split())
    in_order = [
        "Préambule L'Office Central de la Coopération à l'École",
        "L'accompagnement des coopératives scolaires",
        "Accompagnement quotidien et ponctuel",
        "Prêt gratuit",
        "Les formations Un catalogue de formations",
        "La gestion de l'argent à l'école",
        "Nouveaux mandataires : gérer la coopérative — Nouveaux mandataires · 3 h · 2 sessions · "
        "50 places",
        "Mandataires : la comptabilité en visio (une fois par mois) — Tous les mandataires · 1,5 h "
        "· 6 sessions · 240 places",
        "Le climat scolaire et pédagogies coopératives",
        "Former à la coopération pour améliorer le bien-être et prévenir le harcèlement — "
        "Animateurs · 9 h · 1 session · 12 places",
        "Actions à destination des classes Propositions envoyées dans les classes fin août.",
        "Avec interventions en classe…",
        "…ou accompagnement à distance…",
        "… et parfois avec des partenaires.",
        "Journées événements",
        "Journées coopératives au musée de l'École publique — niveaux CP, CE1, CE2, CM1, CM2 · "
        "12 classes",
        "Règles de sélection des classes L'animatrice départementale étant seule",
        "La vie associative",
        "Conseil d'administration — Départemental · 5 réunions",
        "Les formations de l'équipe",
        "Les groupes de travail auxquels l'association participe",
    ]
    at = 0
    for part in in_order:  # each after the one before
        at = text.find(part, at)
        assert at != -1, part
    assert "Non renseigné." not in text

"""Mandataires: their accounts are needed while they hold a mandate."""

from occe.ops.retention import describe, keeps_accounts

from .models import Mandate

describe(
    "cooperatives.mandats",
    label="Mandataires et historique des mandats",
    purpose="Savoir qui peut signer pour le compte bancaire d'une coopérative, et depuis quand.",
    duration="pendant le mandat, puis dans l'historique de la coopérative tant qu'elle existe",
    order=30,
)


@keeps_accounts
def current_mandataires():
    return Mandate.objects.current().values_list("user_id", flat=True)

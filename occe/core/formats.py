"""French formats for numbers, amounts and dates: `13 003,00 €`, `146 262`, `13 novembre 2024`.

The thousands separator is a no-break space so that an amount never wraps across two lines.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import timezone
from django.utils.formats import date_format
from num2words import num2words

NBSP = "\u00a0"


def _group(digits: str) -> str:
    groups = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    return NBSP.join(groups) or "0"


def number(value, decimals: int = 0) -> str:
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    quantum = Decimal(1).scaleb(-decimals)
    amount = amount.quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    integer, _, fraction = f"{abs(amount):f}".partition(".")
    text = sign + _group(integer)
    return f"{text},{fraction}" if decimals else text


def euros(value) -> str:
    if value is None or value == "":
        return ""
    return f"{number(value, 2)}{NBSP}€"


def date_fr(value: datetime.date | None) -> str:
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    text = date_format(value, "j F Y")
    return "1er" + text[1:] if value.day == 1 else text


def difference(current: int | Decimal, previous: int | Decimal, unit: str = "") -> str:
    """'1 753 de moins', '12 de plus', 'stable' — the year-over-year wording of the reports."""
    delta = (current or 0) - (previous or 0)
    if not delta:
        return "stable"
    label = f"{number(abs(delta))}{(' ' + unit) if unit else ''}"
    return f"{label} de plus" if delta > 0 else f"{label} de moins"


def euros_in_words(value) -> str:
    """Amount in French words: 'deux cent cinquante euros', 'un million d'euros',
    'vingt et un euros et cinq centimes'. Cents only when not zero."""
    amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    whole = int(amount)
    cents = int((amount - whole) * 100)
    words = num2words(whole, lang="fr")
    if whole in (0, 1):
        unit = "euro"
    elif whole % 1_000_000 == 0:
        unit = "d'euros"  # un million d'euros, deux milliards d'euros
    else:
        unit = "euros"
    cents_text = f"{num2words(cents, lang='fr')} centime{'s' if cents > 1 else ''}"
    if whole == 0 and cents:
        return cents_text  # "cinquante centimes", not "zéro euro et cinquante centimes"
    text = f"{words} {unit}"
    if cents:
        text += f" et {cents_text}"
    return text

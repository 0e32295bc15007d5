import datetime
from decimal import Decimal

import pytest

from occe.core.formats import date_fr, difference, euros, euros_in_words, number

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("13003"), f"13{NBSP}003,00{NBSP}€"),
        (Decimal("9577.98"), f"9{NBSP}577,98{NBSP}€"),
        (Decimal("0.5"), f"0,50{NBSP}€"),
        (Decimal("-1250.4"), f"-1{NBSP}250,40{NBSP}€"),
        (Decimal("1234567.891"), f"1{NBSP}234{NBSP}567,89{NBSP}€"),
    ],
)
def test_amounts_in_french_format(value, expected):
    assert euros(value) == expected


def test_numbers_and_dates_in_french():
    assert number(146262) == f"146{NBSP}262"
    assert date_fr(datetime.date(2024, 11, 13)) == "13 novembre 2024"
    assert date_fr(datetime.date(2025, 8, 1)) == "1er août 2025"


def test_year_over_year_wording():
    assert difference(48230, 49983) == f"1{NBSP}753 de moins"
    assert difference(12, 10) == "2 de plus"
    assert difference(5, 5) == "stable"


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("150", "cent cinquante euros"),
        ("200", "deux cents euros"),
        ("250", "deux cent cinquante euros"),
        ("80", "quatre-vingts euros"),
        ("81", "quatre-vingt-un euros"),
        ("21", "vingt et un euros"),
        ("71", "soixante et onze euros"),
        ("1", "un euro"),
        ("1000000", "un million d'euros"),
        ("2000000", "deux millions d'euros"),
        ("1000001", "un million un euros"),
        ("1200", "mille deux cents euros"),
        ("20.05", "vingt euros et cinq centimes"),
        ("35.01", "trente-cinq euros et un centime"),
        ("100.00", "cent euros"),
    ],
)
def test_amounts_in_words_follow_french_spelling(value, words):
    assert euros_in_words(Decimal(value)) == words

from decimal import Decimal

import pytest

from occe.core.formats import euros_in_words


@pytest.mark.parametrize(
    "amount, words",
    [
        (200, "deux cents euros"),
        (250, "deux cent cinquante euros"),
        (80, "quatre-vingts euros"),
        (81, "quatre-vingt-un euros"),
        (21, "vingt et un euros"),
        (71, "soixante et onze euros"),
        (180, "cent quatre-vingts euros"),
        (1, "un euro"),
        (1000, "mille euros"),
        (2000, "deux mille euros"),
        (200_000, "deux cent mille euros"),
        (1_000_000, "un million d'euros"),
        (2_000_000, "deux millions d'euros"),
        (1_000_200, "un million deux cents euros"),
        (Decimal("150.00"), "cent cinquante euros"),
        (Decimal("21.05"), "vingt et un euros et cinq centimes"),
        (Decimal("1.01"), "un euro et un centime"),
        (Decimal("80.80"), "quatre-vingts euros et quatre-vingts centimes"),
        (Decimal("0.50"), "cinquante centimes"),
    ],
)
def test_amounts_in_french_words(amount, words):
    assert euros_in_words(amount) == words

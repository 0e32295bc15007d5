import pytest

from occe.core.templatetags.fr import de


@pytest.mark.parametrize(
    "name, text",
    [
        ("OCCE 92", "d'OCCE 92"),
        ("Isère", "d'Isère"),
        ("École Jean Jaurès", "d'École Jean Jaurès"),
        ("hôtel de ville", "d'hôtel de ville"),
        ("Nanterre", "de Nanterre"),
        ("", "de "),
    ],
)
def test_de_elides_before_a_vowel_or_h(name, text):
    assert de(name) == text

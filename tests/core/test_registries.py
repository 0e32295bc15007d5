import pytest

from occe.core import indicators
from occe.core.demo_apps import DemoContext


@pytest.fixture
def clean_registry(monkeypatch):
    monkeypatch.setattr(indicators, "_REGISTRY", {})


def test_a_family_indicator_gives_one_figure_per_item(clean_registry):
    @indicator_for("prets.*.jours")
    def days(year):
        return {"camera": 133, "loto": 84}

    assert indicators._REGISTRY["prets.*.jours"].compute(2024) == {
        "prets.camera.jours": 133,
        "prets.loto.jours": 84,
    }


def test_no_data_stays_none_never_zero(clean_registry):
    @indicator_for("recus.montant")
    def amount(year):
        return None

    assert indicators._REGISTRY["recus.montant"].compute(2024) == {"recus.montant": None}


def test_a_key_declared_twice_is_refused(clean_registry):
    indicator_for("aap.montant")(lambda year: 1)
    with pytest.raises(ValueError, match="aap.montant"):
        indicator_for("aap.montant")(lambda year: 2)


def indicator_for(key):
    return indicators.indicator(key, key, section="test")


def test_demo_context_scales_and_separates_generators():
    context = DemoContext(seed=1, coops=6250)
    assert context.ratio == 10 and context.scaled(13) == 130
    assert context.rng("prets").random() == context.rng("prets").random()
    assert context.rng("prets").random() != context.rng("actions").random()

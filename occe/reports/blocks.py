"""The blocks of a report's section read from the listing registry (occe.core.listings): one
block per entry, its title as a heading and its facts as a list, in the seed report's style
(« 8 classes participantes du CP au CM2 de 4 écoles : 192 ÉLÈVES CONCERNÉS »).

Consecutive columns that are not `own_line` make one sentence; each `own_line` column is a line
of its own. A figure with no data (None) says "non renseigné", never 0; an empty text, or a
value the entry leaves out (not in its values: it does not apply), is not shown.
"""

import re
from dataclasses import dataclass, replace

from occe.core.exports import DECIMAL, INTEGER, MONEY, Column, Sheet
from occe.core.indicators import Unit
from occe.core.listings import Entry, Listing

NOT_PROVIDED = "non renseigné"
CAPITALS = re.compile(r"(?:\s+[A-ZÀÂÇÉÈÊËÎÏÔÛÙÜ]{2,}\b)+")
FORMATS = {Unit.COUNT: INTEGER, Unit.NUMBER: DECIMAL, Unit.AMOUNT: MONEY}


@dataclass(frozen=True)
class Fact:
    text: str
    figure: str = ""  # the figure inside the text, shown in bold (« 192 » of « 192 ÉLÈVES »)

    @property
    def parts(self) -> tuple[str, str, str]:
        """(before, the figure, after)."""
        if not self.figure or self.figure not in self.text:
            return self.text, "", ""
        before, _, after = self.text.partition(self.figure)
        capitals = CAPITALS.match(after)  # « 192 ÉLÈVES CONCERNÉS »: the words in capitals too
        said = capitals.group(0) if capitals else ""
        return before, self.figure + said, after[len(said) :]


@dataclass
class Block:
    listing: Listing
    entries: list[Entry]

    @property
    def items(self) -> list[tuple[Entry, list[list[Fact]]]]:
        return [(entry, lines(self.listing, entry)) for entry in self.entries]


def lines(listing: Listing, entry: Entry) -> list[list[Fact]]:
    """The entry's lines, each a list of facts (their figures in bold)."""
    result: list[list[Fact]] = []
    sentence: list[Fact] = []
    missing: list[str] = []

    def close() -> None:
        if sentence:
            first = sentence[0]
            sentence[0] = Fact(first.text.removeprefix(": "), first.figure)
            result.append(list(sentence))
            sentence.clear()
        if missing:
            labels = [missing[0]] + [label[:1].lower() + label[1:] for label in missing[1:]]
            result.append([Fact(f"{', '.join(labels)} : {NOT_PROVIDED}")])
            missing.clear()

    for column in listing.columns:
        if not column.in_pdf or column.name not in entry.values:
            continue
        if column.own_line:
            close()
        value = entry.values.get(column.name)
        shown = column.show(value)
        if shown:
            figure = (
                ""
                if column.unit == Unit.TEXT
                else replace(column, template="{}", plural="").show(value)
            )
            sentence.append(Fact(shown, figure))
        elif column.unit != Unit.TEXT:
            missing.append(column.label)
        if column.own_line:
            close()
    close()
    return result


def sheet(listing: Listing, entries: list[Entry]) -> Sheet:
    """A listing as a workbook sheet: a row per entry, a column per value (real numbers and
    dates, an empty cell for a figure with no data), its group and details beside."""
    columns = [Column("Rubrique", width=30), Column("Intitulé", width=45)]
    columns += [Column(c.label, format=FORMATS.get(c.unit), width=18) for c in listing.columns]
    columns.append(Column("Précisions", width=50))
    rows = [
        (
            entry.group,
            entry.title,
            *(_cell(entry.values.get(c.name)) for c in listing.columns),
            entry.details,
        )
        for entry in entries
    ]
    return Sheet(listing.label[:31], columns, rows)


def _cell(value):
    return None if value == "" else value

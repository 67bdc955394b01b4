"""An independent reader of the notebook tables: html.parser, no assay code."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

NUMBER = r"[+\-−]?(?:[\d,]+(?:\.\d+)?|∞)"  # the tables write U+2212 for minus
INTERVAL = re.compile(rf"^({NUMBER}) \[({NUMBER}), ({NUMBER})\]")


@dataclass
class Cell:
    text: str = ""
    colours: list[str] = field(default_factory=list)


class Tables(HTMLParser):
    """Every table as rows of cells: a cell's text and the inline colours inside it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[Cell]]] = []
        self.tags: list[str] = []
        self.styles: list[str] = []
        self.text: list[str] = []
        self._cell: Cell | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        style = dict(attrs).get("style") or ""
        self.styles.append(style)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = Cell()
            self.tables[-1][-1].append(self._cell)
        found = re.search(r"(?:^|;)color:(#[0-9a-f]{6})", style)
        if found and self._cell is not None:
            self._cell.colours.append(found[1])

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.text += data


def read(html: str) -> Tables:
    parser = Tables()
    parser.feed(html)
    parser.close()
    return parser


def numbers(text: str) -> tuple[float, float, float]:
    """``estimate [low, high]`` read from a cell (footnote digits after it ignored)."""
    found = INTERVAL.match(text)
    assert found, text

    def value(s: str) -> float:
        s = s.replace(",", "").replace("−", "-")
        return float(s.replace("∞", "inf"))

    return value(found[1]), value(found[2]), value(found[3])


def decimals(text: str) -> int:
    first = INTERVAL.match(text)
    assert first, text
    return len(first[1].partition(".")[2])


def close(shown: float, exact: float, places: int) -> bool:
    """Whether ``shown`` is ``exact`` rounded to ``places`` decimals."""
    return abs(shown - exact) <= 0.5 * 10**-places + 1e-12

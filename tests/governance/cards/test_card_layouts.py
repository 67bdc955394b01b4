"""Card layouts: a card made before the layout changed still verifies, and regenerating it
moves it to the new layout.

``tests/golden/governance/card_layout1`` holds a small real store (120 Adult examples, two
income rules with recorded latencies, one decision) and the card of ``income-rule@2.0``
written from it in every format by the card code of layout 1, before numbers carried their
units and before the HTML rendered the introduction's emphasis. The store is copied for each
test, so the fixture stays as it was written.
"""

from __future__ import annotations

import html.parser
import json
import re
import shutil
from pathlib import Path

import pytest

import assay
from assay.cli import main
from assay.errors import DataError
from assay.governance import CARD_LAYOUT, parse_card_text
from assay.workflows import model_card, verify_card

FIXTURE = Path(__file__).parents[2] / "golden" / "governance" / "card_layout1"
MODEL = "income-rule@2.0"
FILES = ("card.md", "card_README.md", "card.html", "card.json")

pytestmark = pytest.mark.filterwarnings("ignore::assay.errors.SmallSliceWarning")


@pytest.fixture()
def old(home: Path, tmp_path: Path) -> tuple[assay.Store, Path]:
    """The layout-1 store as the current ``ASSAY_HOME``, and a copy of its cards."""
    shutil.copytree(FIXTURE / "store", home)
    cards = tmp_path / "cards"
    cards.mkdir()
    for name in FILES:
        shutil.copy(FIXTURE / name, cards / name)
    return assay.open_store(), cards


def test_the_fixture_is_in_the_first_layout() -> None:
    # what layout 2 changes is there to be seen: no unit on a latency difference, Markdown's
    # asterisks in the HTML introduction, and no layout stated
    md = (FIXTURE / "card.md").read_text()
    assert re.search(r"\| latency\\_p95 \| all examples \| \+2\.1 \| \[−0\.5, \+5\.7\] \|", md)
    assert "Sections marked *written by a person*" in (FIXTURE / "card.html").read_text()
    for name in FILES:
        text = (FIXTURE / name).read_text()
        assert '"layout"' not in text
        assert parse_card_text(text, source=name).layout == 1


@pytest.mark.parametrize("name", FILES)
def test_a_card_of_the_first_layout_verifies_as_unedited(old, name: str) -> None:
    store, cards = old
    state = verify_card(MODEL, card=cards / name, store=store)
    assert state.current, state.reason
    assert state.edited == [] and state.changes == []
    assert state.layout == 1
    assert (
        f"in card layout 1; regenerating it with assay card --previous writes layout {CARD_LAYOUT}"
        in state.reason
    )


def test_a_first_layout_card_claiming_the_new_layout_is_edited(old) -> None:
    # the layout the card states is what it is rebuilt in: stating the new one without its
    # units makes the latency rows differ
    store, cards = old
    path = cards / "card.md"
    path.write_text(
        path.read_text().replace('"evidence": {', f'"layout": {CARD_LAYOUT},\n"evidence": {{', 1)
    )
    state = verify_card(MODEL, card=path, store=store)
    assert not state.current
    assert state.layout == CARD_LAYOUT
    assert "the <!-- assay:card --> block" in state.edited
    assert any(name.startswith("SHIP:") for name in state.edited)


@pytest.mark.parametrize(
    ("name", "old_text", "new_text"),
    [
        ("card.md", "| +2.1 | [−0.5, +5.7] |", "| +2.6 | [−0.5, +5.7] |"),
        ("card_README.md", "| 88.3% | [82.5%, 94.2%] |", "| 89.3% | [82.5%, 94.2%] |"),
        ("card.html", "<td>+2.1</td>", "<td>+1.1</td>"),
    ],
)
def test_an_edited_number_in_a_first_layout_card_is_found(old, name, old_text, new_text) -> None:
    store, cards = old
    path = cards / name
    text = path.read_text()
    assert text.count(old_text) == 1
    path.write_text(text.replace(old_text, new_text))
    state = verify_card(MODEL, card=path, store=store)
    assert not state.current and state.changes == []
    assert state.edited and "is not what the store gives in" in state.reason


def test_an_edited_value_in_a_first_layout_json_card_is_found(old) -> None:
    store, cards = old
    path = cards / "card.json"
    card = json.loads(path.read_text())
    key = next(k for k in card["values"] if "latency_p95" in k)
    card["values"][key][0] += 0.5
    path.write_text(json.dumps(card, indent=2))
    state = verify_card(MODEL, card=path, store=store)
    assert not state.current and state.edited == ["values"]


def test_a_person_writing_in_a_first_layout_card_keeps_it_current(old) -> None:
    store, cards = old
    path = cards / "card.md"
    marker = '<!-- assay:human section=caveats title="Caveats and recommendations" -->\n'
    path.write_text(path.read_text().replace(marker, marker + "Only 120 census rows.", 1))
    state = verify_card(MODEL, card=path, store=store)
    assert state.current, state.reason


def _gate_reason(store: assay.Store, metric: str) -> str:
    runs = {str(r.model): r.run_id for r in assay.list_runs(store=store)}
    gated = assay.gate_runs(runs["income-rule@1.0"], runs[MODEL], store=store)
    return next(r.reason for r in gated.verdict.rules if r.metric == metric)


def test_regenerating_moves_the_card_to_the_new_layout_with_units(old) -> None:
    store, cards = old
    made = model_card(MODEL, previous=cards / "card.md", out=cards / "new.md", store=store)
    assert made.format == "markdown"
    assert made.changes.layout_from == 1
    assert any(line.startswith(f"card layout 1 -> {CARD_LAYOUT}") for line in made.changes.lines())
    assert f'"layout": {CARD_LAYOUT},' in made.text
    assert parse_card_text(made.text, source="new.md").layout == CARD_LAYOUT
    # the latency difference reads as the gate prints it, in ms
    row = re.search(
        r"\| latency\\_p95 \| all examples \| (?P<est>[^|]+) \| (?P<iv>[^|]+) \|", made.text
    )
    assert row is not None and row["est"] == "+2.1 ms"
    assert f"latency_p95: {row['est']} {row['iv']}" in _gate_reason(store, "latency_p95")
    # ... and an accuracy difference as the gate prints it, in points
    acc = re.search(
        r"\| accuracy \| all examples \| (?P<est>\+[\d.]+ pts) \| (?P<iv>[^|]+) \|", made.text
    )
    assert acc is not None
    points = acc["est"].removesuffix(" pts")
    assert f"accuracy: {points} points {acc['iv']}" in _gate_reason(store, "accuracy")
    state = verify_card(MODEL, card=cards / "new.md", store=store)
    assert state.current and state.layout == CARD_LAYOUT, state.reason
    assert "card layout" not in state.reason
    # a hand edit is found in the new layout too
    path = cards / "new.md"
    path.write_text(made.text.replace("| +2.1 ms |", "| +1.1 ms |", 1))
    edited = verify_card(MODEL, card=path, store=store)
    assert not edited.current and any(name.startswith("SHIP:") for name in edited.edited)


class _Intro(html.parser.HTMLParser):
    """The text of the page's first ``<p class="note">`` and the tags inside it."""

    def __init__(self) -> None:
        super().__init__()
        self.depth, self.done, self.text, self.tags = 0, False, "", []

    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.depth += 1
            self.tags.append(tag)
        elif not self.done and tag == "p" and ("class", "note") in attrs:
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1
            self.done = self.done or self.depth == 0

    def handle_data(self, data):
        if self.depth:
            self.text += data


def _intro(text: str) -> _Intro:
    parser = _Intro()
    parser.feed(text)
    return parser


def test_the_html_card_renders_the_introduction_s_emphasis(old) -> None:
    store, cards = old
    before = _intro((cards / "card.html").read_text())
    assert "*written by a person*" in before.text and before.tags == []
    made = model_card(MODEL, previous=cards / "card.html", out=cards / "new.html", store=store)
    assert made.format == "html"
    after = _intro(made.text)
    assert after.tags == ["em"]
    assert "*" not in after.text
    assert "Sections marked written by a person are kept" in after.text
    assert "<em>written by a person</em>" in made.text
    assert re.search(r"<td>latency_p95</td><td>all examples</td><td>\+2\.1 ms</td>", made.text)
    state = verify_card(MODEL, card=cards / "new.html", store=store)
    assert state.current and state.layout == CARD_LAYOUT, state.reason


@pytest.mark.parametrize("name", ["card.json", "card_README.md"])
def test_json_and_hugging_face_cards_move_to_the_new_layout(old, name: str) -> None:
    store, cards = old
    made = model_card(MODEL, previous=cards / name, out=cards / f"new-{name}", store=store)
    assert parse_card_text(made.text, source=name).layout == CARD_LAYOUT
    if name == "card.json":
        assert json.loads(made.text)["layout"] == CARD_LAYOUT
    state = verify_card(MODEL, card=cards / f"new-{name}", store=store)
    assert state.current, state.reason


def test_a_layout_this_assay_does_not_know_is_one_clear_error(old) -> None:
    store, cards = old
    path = cards / "card.md"
    path.write_text(path.read_text().replace('"evidence": {', '"layout": 99,\n"evidence": {', 1))
    with pytest.raises(
        DataError, match=r"card\.md, line \d+, column \d+: the card states layout 99"
    ):
        verify_card(MODEL, card=path, store=store)


@pytest.mark.parametrize(
    "stated",
    ['"2"', "true", "2.0", "-1", "0", "10000000000000000000000", "null", "[2]", '"\\u001b[31m"'],
)
def test_a_hostile_layout_is_refused_with_where_it_is(stated: str) -> None:
    for name in ("card.md", "card.json"):
        text = (FIXTURE / name).read_text()
        if name == "card.json":
            text = text.replace(
                '"format": "assay-model-card",',
                f'"format": "assay-model-card", "layout": {stated},',
                1,
            )
        else:
            text = text.replace('"evidence": {', f'"layout": {stated},\n"evidence": {{', 1)
        with pytest.raises(
            DataError, match=r"line \d+, column \d+: the card states layout"
        ) as caught:
            parse_card_text(text, source=name)
        assert "\x1b" not in str(caught.value)


def test_the_command_line_verifies_a_first_layout_card_and_says_its_layout(old, capsys) -> None:
    _, cards = old
    code = main(["card", "verify", MODEL, "--card", str(cards / "card.html"), "--json"])
    answer = json.loads(capsys.readouterr().out)
    assert code == 0 and answer["current"] and answer["layout"] == 1 and answer["edited"] == []
    page = cards / "card.html"
    page.write_text(page.read_text().replace("<td>+2.1</td>", "<td>+1.1</td>", 1))
    code = main(["card", "verify", MODEL, "--card", str(page), "--json"])
    answer = json.loads(capsys.readouterr().out)
    assert code == 1 and not answer["current"] and answer["edited"]

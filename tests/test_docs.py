"""The documentation keeps up with the code: every registered extension, error, warning, exit
code, package and command is documented, read from the registries and the code itself."""

from __future__ import annotations

import inspect
import json
import re
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest
import typer
import yaml

import assay.cli
import assay.errors
import assay.gates
import assay.metrics
import assay.runners

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README = ROOT / "README.md"
PACKAGE = ROOT / "src" / "assay"


def _shipped_registries() -> dict[str, list[str]]:
    """What assay itself registers, read in a fresh interpreter: test modules register
    throw-away kinds and adapters in this process's registries, which need no docs."""
    code = (
        "import json, assay.gates, assay.metrics, assay.runners; print(json.dumps({"
        "'kinds': assay.gates.list_rule_kinds(), 'metrics': assay.metrics.list_metrics(), "
        "'scorers': assay.metrics.list_scorers(), 'adapters': assay.runners.adapter_names()}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)  # type: ignore[no-any-return]


SHIPPED = _shipped_registries()


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _documented_names(text: str) -> set[str]:
    """Names that head a section (`### name`) or the first cell of a table row (| `name` |)."""
    names = set()
    for line in text.splitlines():
        heading = re.fullmatch(r"#{1,6}\s+`?([^`\s]+)`?\s*", line)
        if heading:
            names.add(heading.group(1))
        elif line.startswith("|"):
            first = line.split("|")[1].strip()
            names.add(first.strip("`"))
    return names


def _section(text: str, heading: str) -> str:
    """The body of the Markdown section with this heading, up to the next heading of its level."""
    match = re.search(rf"^(#+) {re.escape(heading)}\n(.*?)(?=^\1 |\Z)", text, re.M | re.S)
    assert match, f"no section '{heading}'"
    return match.group(2)


@pytest.mark.parametrize("kind", SHIPPED["kinds"])
def test_every_rule_kind_is_documented(kind: str) -> None:
    assert kind in _documented_names(_read(DOCS / "policies.md")), (
        f"rule kind {kind!r} has no section in docs/policies.md"
    )


@pytest.mark.parametrize("metric", SHIPPED["metrics"])
def test_every_metric_is_documented(metric: str) -> None:
    assert metric in _documented_names(_read(DOCS / "metrics.md")), (
        f"metric {metric!r} has no row in docs/metrics.md"
    )


@pytest.mark.parametrize("scorer", SHIPPED["scorers"])
def test_every_scorer_is_documented(scorer: str) -> None:
    scorers = _section(_read(DOCS / "metrics.md"), "Scorers")
    assert scorer in _documented_names(scorers), f"scorer {scorer!r} has no row in docs/metrics.md"


@pytest.mark.parametrize("adapter", SHIPPED["adapters"])
def test_every_adapter_is_documented(adapter: str) -> None:
    assert adapter in _documented_names(_read(DOCS / "runners.md")), (
        f"adapter {adapter!r} has no row in docs/runners.md"
    )


def test_the_registries_are_not_empty() -> None:
    # the parametrised tests above would pass vacuously on an empty registry
    assert "coverage" in SHIPPED["kinds"]
    assert "macro_f1" in SHIPPED["metrics"]
    assert "exact_match" in SHIPPED["scorers"]
    assert "openai" in SHIPPED["adapters"]


def test_the_readme_names_every_rule_kind() -> None:
    readme = _read(README)
    missing = [k for k in SHIPPED["kinds"] if f"`{k}`" not in readme]
    assert not missing, f"README.md's list of rule kinds lacks {missing}"


@pytest.mark.parametrize("name", assay.errors.__all__)
def test_every_error_and_warning_is_documented(name: str) -> None:
    assert issubclass(getattr(assay.errors, name), Exception | Warning)
    texts = [_read(README), *(_read(p) for p in sorted(DOCS.glob("*.md")))]
    assert any(f"`{name}`" in t for t in texts), f"{name} is named in no README or docs page"


def _exit_codes_of_the_cli() -> set[int]:
    module = inspect.getmodule(assay.cli.main)
    assert module is not None and module.__doc__
    return {int(c) for c in re.findall(r"^(\d+)\s{2,}\S", module.__doc__, flags=re.M)}


def test_the_readme_lists_every_exit_code() -> None:
    table = _section(_read(README), "Exit codes")
    documented = {int(c) for c in re.findall(r"^\| (\d+) \|", table, flags=re.M)}
    codes = _exit_codes_of_the_cli()
    assert {0, 1, 2, 64, 70, 130} <= codes
    assert set(assay.cli.EXIT_CODES.values()) <= codes
    assert documented == codes


def _packages() -> list[str]:
    return sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py"))


def test_the_readme_layout_names_every_package_in_layer_order() -> None:
    layout = _section(_read(README), "Layout")
    named = re.findall(r"^- `(?:assay\.)?(\w+)`", layout, flags=re.M)
    missing = [p for p in [*_packages(), "errors"] if p not in named]
    assert not missing, f"README.md's Layout section does not name {missing}"
    pyproject = tomllib.loads(_read(ROOT / "pyproject.toml"))
    contracts = pyproject["tool"]["importlinter"]["contracts"]
    (layers,) = [c["layers"] for c in contracts if c["type"] == "layers"]
    level = {
        name.strip().removeprefix("assay."): i
        for i, layer in enumerate(reversed(layers))
        for name in layer.split("|")
    }
    assert set(_packages()) <= set(level), "a package is missing from the layers contract"
    order = [level[n] for n in named if n in level]
    assert order == sorted(order), "README.md's Layout section is not in layer order"


def test_the_cli_reference_is_current() -> None:
    script = ROOT / "scripts" / "cli-reference"
    done = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, (
        f"docs/cli.md is out of date: run scripts/cli-reference\n{done.stderr}"
    )


def test_the_cli_reference_covers_every_command_and_option() -> None:
    reference = _read(DOCS / "cli.md")
    command = typer.main.get_command(assay.cli.app)

    def walk(cmd: object, path: str) -> None:
        assert f"`{path}`" in reference, path
        for param in getattr(cmd, "params", []):
            if param.param_type_name == "option" and not param.hidden:
                section = _section(reference, f"`{path}`")
                assert param.opts[0] in section, (path, param.opts[0])
        for name, sub in getattr(cmd, "commands", {}).items():
            if not sub.hidden:
                walk(sub, f"{path} {name}")

    walk(command, "assay")


def test_the_cli_reference_does_not_depend_on_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from assay.cli._reference import cli_reference

    demo = typer.Typer(rich_markup_mode="rich")

    @demo.command("go")
    def go(
        path: str = typer.Argument(..., help="Where to go."),
        mode: str = typer.Option("fast", help="fast|slow, or [bold]any[/bold] \\[speed]."),
        tags: list[str] | None = typer.Option(None, "--tag", help="A tag."),
        dry: bool = typer.Option(False, "--dry/--wet", help="Rehearse."),
    ) -> None:
        """Go somewhere,
        wrapped in the docstring."""

    @demo.command("stay", hidden=True)
    def stay() -> None:
        """Not shown."""

    monkeypatch.setenv("COLUMNS", "40")
    monkeypatch.setenv("FORCE_COLOR", "1")
    narrow = cli_reference(demo, name="demo")
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.delenv("FORCE_COLOR")
    monkeypatch.setenv("NO_COLOR", "1")
    assert cli_reference(demo, name="demo") == narrow
    assert "Go somewhere, wrapped in the docstring." in narrow
    assert "| `PATH` | Where to go. |" in narrow
    assert "| `--mode TEXT` | `fast` | fast\\|slow, or any [speed]. |" in narrow
    assert "| `--tag TEXT` | — | A tag. (repeatable) |" in narrow
    assert "| `--dry` / `--wet` | `--wet` | Rehearse. |" in narrow
    assert "stay" not in narrow and "\x1b[" not in narrow


def test_the_readme_gives_each_error_its_exit_code() -> None:
    table = _section(_read(README), "Errors and warnings")
    rows = re.findall(r"^\| `(\w+)` \| .* \| (\d+|—) \|$", table, flags=re.M)
    assert {name for name, _ in rows} == {
        n for n in assay.errors.__all__ if issubclass(getattr(assay.errors, n), Exception)
    } - {n for n in assay.errors.__all__ if issubclass(getattr(assay.errors, n), Warning)}
    for name, code in rows:
        cls = getattr(assay.errors, name)
        mapped = next(
            (assay.cli.EXIT_CODES[c] for c in cls.__mro__ if c in assay.cli.EXIT_CODES), None
        )
        assert (str(mapped) if mapped is not None else "—") == code, name


@pytest.mark.parametrize("page", ["metrics.md", "runners.md"])
def test_suite_metrics_in_the_docs_are_valid(page: str) -> None:
    from assay.core import MetricSpec

    blocks = re.findall(r"```yaml\n(.*?)```", _read(DOCS / page), flags=re.S)
    specs = [
        MetricSpec(**entry)
        for block in blocks
        if block.lstrip().startswith("metrics:")
        for entry in yaml.safe_load(textwrap.dedent(block))["metrics"]
    ]
    assert specs
    for spec in specs:
        if spec.scorer is not None:
            assay.metrics.get_scorer(spec.scorer, **spec.scorer_params)
        assert spec.aggregate == "mean" or spec.aggregate in assay.metrics.list_metrics()


def _anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_relative_link_in_the_docs_resolves() -> None:
    broken = []
    for page in [README, *sorted(DOCS.glob("*.md"))]:
        for link in re.findall(r"\]\(([^)\s]+)\)", _read(page)):
            if re.match(r"[a-z][a-z0-9+.-]*:", link):
                continue
            path, _, fragment = link.partition("#")
            target = page.parent / path if path else page
            if not target.exists():
                broken.append(f"{page.name}: {link}")
            elif fragment and target.suffix == ".md":
                headings = re.findall(r"^#+ (.*)$", _read(target), flags=re.M)
                if fragment not in {_anchor(h) for h in headings}:
                    broken.append(f"{page.name}: {link} (no such heading)")
    assert not broken, broken
    assert "docs/governance.md" in _section(_read(README), "Layout")

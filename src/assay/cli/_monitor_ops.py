"""``assay monitor watch|status|rules|serve-metrics``: quality watches attached to decisions,
their error budgets, alert rules and the Prometheus exporter."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assay._util import plural
from assay.cli._inputs import readable_file
from assay.cli._options import DbOption, JsonOption
from assay.cli._render import console, emit_json, new_table, safe

__all__ = ["register_monitor_ops"]

_EXIT = {"ok": 0, "alarm": 1, "inconclusive": 2}
_STYLE = {"ok": "green", "alarm": "bold red", "inconclusive": "yellow"}

watch_app = typer.Typer(
    help="Quality watches: register a monitor on a decision, record a window's look.",
    no_args_is_help=True,
)


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.4g}"


def _print(statuses: list[object]) -> None:
    from assay.monitor import MonitorStatus

    table = new_table(
        plural(len(statuses), "monitor"),
        (
            "monitor",
            "watch",
            "method",
            "looks",
            "n",
            "estimate",
            "interval",
            "threshold",
            "state",
            "alpha left",
        ),
    )
    for status in statuses:
        assert isinstance(status, MonitorStatus)
        for w in status.watches:
            interval = "—" if w.low is None else f"[{_number(w.low)}, {_number(w.high)}]"
            table.add_row(
                safe(status.name),
                safe(w.name),
                w.method,
                str(w.looks),
                str(w.n),
                _number(w.estimate),
                interval,
                _number(w.threshold),
                f"[{_STYLE[w.state]}]{w.state}[/]",
                f"{w.remaining:.3g} of {w.alpha:.3g}",
            )
    console.print(table)
    for status in statuses:
        assert isinstance(status, MonitorStatus)
        for w in status.watches:
            if w.estimate_outside:
                console.print(f"{safe(status.name)} {safe(w.name)}: {w.estimate_outside}")
        for problem in status.problems:
            console.print(f"[red]invalid state skipped[/]: {safe(problem)}")
        console.print(
            f"{safe(status.name)}: decision {safe(status.decision_id[:12])}, "
            f"[{_STYLE[status.state]}]{status.state}[/], error budget left "
            f"{status.remaining:.3g} of {status.alpha:.3g} (Bonferroni across its watches)"
        )
        if status.new_alarms:
            console.print(
                f"[bold red]alarm[/]: {', '.join(safe(a) for a in status.new_alarms)}; "
                f"challenge written to the ledger (entries {list(status.challenges)})"
            )


@watch_app.command("register")
def watch_register(
    spec: Annotated[
        Path,
        typer.Argument(help="The monitor spec (YAML).", callback=readable_file("the monitor spec")),
    ],
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Attach a monitor to a recorded decision: each watch's threshold (release estimate ∓
    margin) and α share are fixed now."""
    import assay.workflows as wf
    from assay.storage import open_store

    status = wf.register_monitor(spec, store=open_store(db))
    if json:
        emit_json(status.to_dict())
        return
    _print([status])


@watch_app.command("look")
def watch_look(
    name: Annotated[str, typer.Argument(help="The monitor's name.")],
    window: Annotated[
        Path,
        typer.Argument(
            help="The window's data (Parquet, CSV, JSONL).", callback=readable_file("the window")
        ),
    ],
    db: DbOption = None,
    json: JsonOption = False,
) -> int:
    """Record one window's look and print the state; exit code 0 ok, 1 alarm, 2 inconclusive."""
    import assay.workflows as wf
    from assay.storage import open_store

    status = wf.record_window(name, window, store=open_store(db))
    if json:
        emit_json(status.to_dict())
    else:
        _print([status])
    return _EXIT[status.state]


def monitor_status_command(
    name: Annotated[str | None, typer.Argument(help="Only this monitor.")] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Every monitor's watches, their state and their remaining error budget."""
    import assay.workflows as wf
    from assay.storage import open_store

    statuses = wf.monitor_status(name, store=open_store(db))
    if json:
        total = sum(s.alpha for s in statuses)
        emit_json({"monitors": [s.to_dict() for s in statuses], "family_alpha_bound": total})
        return
    _print(list(statuses))
    if statuses:
        total = sum(s.alpha for s in statuses)
        console.print(f"false-alarm bound over all monitors (sum of their α): {total:.3g}")


def monitor_rules_command(
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the rule file here.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Prometheus alert rules for every registered monitor (watch alarms, stale monitors,
    multi-window burn-rate alerts for SLOs); check them with `promtool check rules`."""
    import assay.workflows as wf
    from assay.monitor import rules_yaml
    from assay.storage import open_store

    specs = [s.spec for s in wf.monitor_status(store=open_store(db)) if s.spec is not None]
    text = rules_yaml(specs)
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    console.print(f"{plural(len(specs), 'monitor')}: rules written to {safe(output)}")


def monitor_serve_metrics_command(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0 picks a free one).")] = 9464,
    host: Annotated[str, typer.Option(help="Address to bind (loopback by default).")] = "127.0.0.1",
    db: DbOption = None,
) -> None:
    """Serve the monitors' Prometheus metrics at http://HOST:PORT/metrics until interrupted."""
    import assay.workflows as wf
    from assay.storage import open_store

    server = wf.metrics_server(open_store(db), host=host, port=port)
    bound_host, bound_port = server.server_address[:2]
    console.print(f"serving http://{bound_host!s}:{bound_port}/metrics (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def register_monitor_ops(app: typer.Typer) -> None:
    """Add the watch, status, rules and serve-metrics commands to ``assay monitor``."""
    app.add_typer(watch_app, name="watch")
    app.command("status")(monitor_status_command)
    app.command("rules")(monitor_rules_command)
    app.command("serve-metrics")(monitor_serve_metrics_command)

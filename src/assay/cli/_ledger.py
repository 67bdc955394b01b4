"""``assay ledger``: export the chain for safekeeping, verify the store or an export, and
``assay keys``: per-user signing keys."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import assay
from assay.cli._ledger_render import render_verification
from assay.cli._options import DbOption, JsonOption
from assay.cli._render import console, emit_json, safe

ledger_app = typer.Typer(
    help="The tamper-evident ledger: export it, verify it.", no_args_is_help=True
)
keys_app = typer.Typer(help="Per-user Ed25519 signing keys.", no_args_is_help=True)

HeadOption = Annotated[
    str | None,
    typer.Option(
        "--head",
        help="A head hash kept from an earlier export or verify: fail if that entry is gone "
        "(entries removed from the end).",
    ),
]


@ledger_app.command("export")
def ledger_export(
    output: Annotated[Path, typer.Argument(help="The export file (JSON lines) to write.")],
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Write the whole chain as JSON lines, oldest first, with the head hash on a final
    line, atomically; keep the printed head elsewhere too."""
    from assay.workflows import export_ledger

    done = export_ledger(output, store=assay.open_store(db))
    if json:
        emit_json({"path": str(done.path), "entries": done.entries, "head": done.head})
        return
    console.print(f"wrote {done.entries} entries to {safe(done.path)}", soft_wrap=True)
    console.print(
        f"head {done.head} (keep it apart from the file; `assay ledger verify --head` with "
        "it later shows whether entries were removed)"
    )


@ledger_app.command("verify")
def ledger_verify(
    head: HeadOption = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", help="Verify this export file offline (against its own head line)."),
    ] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> int:
    """Verify the store's ledger (hash chain, decision rows, evidence, signatures against
    registered keys), or an export file offline; exit 5 if tampered."""
    if file is None:
        result = assay.verify_ledger(head=head, store=assay.open_store(db))
        return render_verification(result, json, "assay ledger verify --head")
    from assay.workflows import verify_ledger_file

    result = verify_ledger_file(file, head=head)
    return render_verification(result, json, f"assay ledger verify --file {file} --head")


@keys_app.command("generate")
def keys_generate(
    name: Annotated[
        str | None,
        typer.Option(help="Whose key, registered as user:NAME (default: your login name)."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="The private key file (default: signing-key.json in $XDG_CONFIG_HOME/assay "
            "or ~/.config/assay).",
        ),
    ] = None,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Replace NAME's registered key (a rotation, signed by that key: it is read "
            "from --output or ASSAY_SIGNING_KEY).",
        ),
    ] = False,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite",
            help="Overwrite the file at --output (never one holding another name's key).",
        ),
    ] = False,
    revoke: Annotated[
        str | None,
        typer.Option(
            "--revoke",
            help="With --replace, when the old key is lost or taken: why it is revoked (every "
            "ledger verify reports it).",
        ),
    ] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Make an Ed25519 key: the private half in a file only you can read (never the
    store), the public half registered in the ledger."""
    from assay.workflows import generate_key

    done = generate_key(
        name,
        output=output,
        replace=replace,
        overwrite=overwrite,
        revoke=revoke,
        store=assay.open_store(db),
    )
    if json:
        emit_json(
            {
                "name": done.name,
                "path": str(done.path),
                "fingerprint": done.fingerprint,
                "replaces": done.replaces,
                "revocation": done.revocation,
                "sequence": done.entry.sequence,
            }
        )
        return
    console.print(
        f"wrote the private key of {safe(done.name)} to {safe(done.path)}", soft_wrap=True
    )
    console.print(
        f"registered its public key as ledger entry {done.entry.sequence}: fingerprint "
        f"{done.fingerprint}"
    )
    if done.replaces:
        how = f"revoked: {safe(done.revocation)}" if done.revocation else "signed by it"
        console.print(f"it replaces the key {done.replaces} ({how})", soft_wrap=True)
    console.print(
        "entries are signed while ASSAY_SIGNING_KEY names this file (or it is in the default place)"
    )

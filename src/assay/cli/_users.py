"""``assay users``: who may use the team server (``assay serve --auth token``), and their tokens.

A token is printed once, when it is made; the store keeps only its digest and a prefix to
recognise it by, which is all ``assay users list`` shows.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer

import assay
from assay._util import plural
from assay.cli._options import DbOption, FormatOption, JsonOption, positive_count
from assay.cli._render import console, emit_json, new_table, safe

if TYPE_CHECKING:
    from assay.storage import IssuedToken, SqlUserRepository, TokenInfo

__all__ = ["users_app"]

users_app = typer.Typer(
    help="Add, list and remove the users of a team server, and issue and revoke their tokens.",
    no_args_is_help=True,
)

NameArgument = Annotated[str, typer.Argument(help="User name.", show_default=False)]
ExpiresOption = Annotated[
    int | None,
    typer.Option(
        "--expires-days",
        help="Days until the token stops working (default: never).",
        metavar="DAYS",
        callback=positive_count,
    ),
]
_ONCE = "This token is shown once and will not be shown again: store it now."


def _users(db: str | None) -> SqlUserRepository:
    """The user repository of the store ``db`` names; a store reached over HTTP has none."""
    users = getattr(assay.open_store(db), "users", None)
    if users is None:
        from assay.errors import ConfigError

        raise ConfigError(
            "This store is reached through a server, whose users are managed on the server: "
            "run `assay users` there (with its ASSAY_DB), or use /api/v1/users as an admin."
        )
    found: SqlUserRepository = users
    return found


def _expiry(days: int | None) -> datetime | None:
    return None if days is None else datetime.now(UTC) + timedelta(days=days)


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _token_json(info: TokenInfo) -> dict[str, Any]:
    return {
        "prefix": info.prefix,
        "user": info.user,
        "created_at": _time(info.created_at),
        "expires_at": _time(info.expires_at),
        "revoked_at": _time(info.revoked_at),
        "active": info.active(),
    }


def _print_issued(issued: IssuedToken, json: bool, **extra: str) -> None:
    if json:
        emit_json({**extra, "token": issued.token, **_token_json(issued.info), "note": _ONCE})
        return
    expires = issued.info.expires_at
    until = f"until {expires:%Y-%m-%d %H:%M} UTC" if expires else "with no expiry"
    console.print(f"token for {safe(issued.info.user)} ({until}):", highlight=False)
    console.print(issued.token, highlight=False, soft_wrap=True)
    console.print(_ONCE, highlight=False)


@users_app.command("add")
def add_command(
    name: NameArgument,
    role: Annotated[
        str, typer.Option(help="viewer, editor, approver or admin.", show_default=False)
    ],
    expires_days: ExpiresOption = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Add a user with a role and print their first token (once)."""
    issued = _users(db).add(name, role.strip().lower(), expires_at=_expiry(expires_days))
    _print_issued(issued, json, name=name, role=role.strip().lower())


@users_app.command("list")
def list_command(
    db: DbOption = None, format_: FormatOption = None, json: JsonOption = False
) -> None:
    """List users, their roles and their tokens' prefixes (never the tokens)."""
    repository = _users(db)
    tokens: dict[str, list[TokenInfo]] = {}
    for info in repository.tokens():
        tokens.setdefault(info.user, []).append(info)
    users = repository.list()
    if json:
        emit_json(
            [
                {
                    "name": u.name,
                    "role": u.role,
                    "created_at": _time(u.created_at),
                    "tokens": [_token_json(t) for t in tokens.get(u.name, [])],
                }
                for u in users
            ]
        )
        return
    table = new_table(
        plural(len(users), "user"), ["user", "role", "added", "active tokens"], numbers=["added"]
    )
    for u in users:
        active = [f"{t.prefix}…" for t in tokens.get(u.name, []) if t.active()]
        table.add_row(safe(u.name), u.role, f"{u.created_at:%Y-%m-%d}", ", ".join(active) or "-")
    console.print(table)


@users_app.command("token")
def token_command(
    name: NameArgument,
    expires_days: ExpiresOption = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Issue another token for a user and print it (once); their other tokens keep working."""
    issued = _users(db).issue_token(name, expires_at=_expiry(expires_days))
    _print_issued(issued, json)


@users_app.command("revoke")
def revoke_command(
    prefix: Annotated[
        str,
        typer.Argument(
            help="The token's prefix as `assay users list` shows it (or the whole token).",
            show_default=False,
        ),
    ],
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Revoke a token: it, and every session signed in with it, stop working at once."""
    info = _users(db).revoke(prefix)
    if json:
        emit_json(_token_json(info))
        return
    console.print(f"revoked token {safe(info.prefix)}… of {safe(info.user)}", highlight=False)


@users_app.command("remove")
def remove_command(name: NameArgument, db: DbOption = None, json: JsonOption = False) -> None:
    """Remove a user: all of their tokens and sessions stop working at once."""
    _users(db).remove(name)
    if json:
        emit_json({"removed": name})
        return
    console.print(f"removed {safe(name)}; their tokens no longer work", highlight=False)

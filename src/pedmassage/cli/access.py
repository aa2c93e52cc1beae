"""``pedmassage site``, ``user`` and ``token``: the machine's operator manages sites, accounts and
API tokens. Every change is audited as the operator (``operator:<login name>``).

These commands and their output are a contract other tools rely on: ``token create`` prints the
token alone on standard output; passwords are read from standard input, never from arguments.
"""

from __future__ import annotations

import sys
from datetime import datetime

import typer

from pedmassage.cli.common import (
    OPERATOR_AUDITED,
    console,
    database,
    fail,
    handles_errors,
    now,
    operator_event,
    print_json,
)

site_app = typer.Typer(
    help="Sites: the programs children and staff belong to.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
user_app = typer.Typer(
    help="User accounts and their roles.", no_args_is_help=True, rich_markup_mode=None
)
token_app = typer.Typer(
    help="API tokens (personal access tokens).", no_args_is_help=True, rich_markup_mode=None
)

PASSWORD_HELP = "Read the password from standard input (one line)."


def _audit(db: object, action: str, resource: str, at: datetime) -> None:
    """Record what the operator did; the entry is part of the command's own transaction."""
    from sqlalchemy.orm import Session

    from pedmassage.audit.service import append

    assert isinstance(db, Session)
    append(db=db, event=operator_event(action, resource), at=at)
    db.info[OPERATOR_AUDITED] = True


def _password(password_stdin: bool) -> str:
    if not password_stdin:
        fail("password", "give --password-stdin and the password on standard input")
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        fail("password", "an empty password was read from standard input")
    return line


@site_app.command("add")
@handles_errors
def site_add(
    name: str = typer.Argument(..., help="The site's name, e.g. 'Children's Ward 4'."),
    as_json: bool = typer.Option(False, "--json", help="Print the site as JSON."),
) -> None:
    """Add a site."""
    from pedmassage.sites.service import add_site

    at = now()
    with database() as db:
        site = add_site(db=db, name=name, now=at)
        _audit(db, "site.add", f"site/{site.id}", at)
        ident, shown = site.id, site.name
    if as_json:
        print_json({"id": ident, "name": shown})
    else:
        typer.echo(f"{ident}\t{shown}")


@site_app.command("list")
@handles_errors
def site_list(as_json: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """List the sites."""
    from pedmassage.sites.service import list_sites

    with database() as db:
        rows = [{"id": s.id, "name": s.name} for s in list_sites(db=db)]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        typer.echo(f"{row['id']}\t{row['name']}")


@user_app.command("add")
@handles_errors
def user_add(
    username: str = typer.Argument(..., help="Lower case letters, digits, . _ -"),
    role: str = typer.Option(
        ..., help="administrator, program_lead, therapist, physician, guardian or researcher."
    ),
    site: list[str] = typer.Option(
        [], help="A site (name or id) the user belongs to; repeat for more."
    ),
    child: list[str] = typer.Option([], help="A guardian's child (id); repeat for more."),
    guardian: list[str] = typer.Option(
        [], help="Which of the child's guardian records this parent is (id); repeatable."
    ),
    display_name: str = typer.Option(None, help="The name written on records (default: username)."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=PASSWORD_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the user as JSON."),
) -> None:
    """Add a user; a guardian is linked to the given children."""
    from pedmassage.access.schemas import UserCreate
    from pedmassage.access.service import add_user, user_public

    data = UserCreate.model_validate(
        {
            "username": username,
            "display_name": display_name,
            "role": role,
            "sites": site,
            "children": child,
            "guardians": guardian,
            "password": _password(password_stdin),
        }
    )
    at = now()
    with database() as db:
        user = add_user(db=db, data=data, now=at)
        _audit(db, "user.add", f"user/{user.id}", at)
        public = user_public(db, user)
    if as_json:
        print_json(public.model_dump(mode="json"))
    else:
        typer.echo(f"{public.id}\t{public.username}\t{public.role}")


@user_app.command("list")
@handles_errors
def user_list(as_json: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """List the users with their roles, sites and state."""
    from rich.table import Table

    from pedmassage.access.service import list_users

    with database() as db:
        users = list_users(db=db)
    if as_json:
        print_json([u.model_dump(mode="json") for u in users])
        return
    table = Table("username", "name", "role", "sites", "children", "active")
    for u in users:
        table.add_row(
            u.username, u.display_name, u.role, ", ".join(u.sites), str(len(u.children)),
            "yes" if u.active else "no",
        )  # fmt: skip
    console().print(table)


@user_app.command("disable")
@handles_errors
def user_disable(username: str = typer.Argument(..., help="The account to disable.")) -> None:
    """Disable an account: its logins end and its tokens stop working."""
    from pedmassage.access.service import disable_user

    at = now()
    with database() as db:
        user = disable_user(db=db, username=username, now=at)
        _audit(db, "user.disable", f"user/{user.id}", at)
    typer.echo(f"{username} disabled")


@user_app.command("passwd")
@handles_errors
def user_passwd(
    username: str = typer.Argument(..., help="The account."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=PASSWORD_HELP),
) -> None:
    """Set a new password; the account's open logins end."""
    from pedmassage.access.service import set_password

    password = _password(password_stdin)
    at = now()
    with database() as db:
        user = set_password(db=db, username=username, password=password, now=at)
        _audit(db, "user.passwd", f"user/{user.id}", at)
    typer.echo(f"password changed for {username}")


@token_app.command("create")
@handles_errors
def token_create(
    username: str = typer.Argument(..., help="Whose rights the token carries."),
    expires_days: int = typer.Option(90, help="Days until the token expires (1-365)."),
) -> None:
    """Create a token and print it alone on standard output (shown once, stored as a hash)."""
    from pedmassage.access.tokens import create_token

    at = now()
    with database() as db:
        token = create_token(db=db, username=username, now=at, expires_days=expires_days)
        _audit(db, "token.create", f"token/{token.id}", at)
    typer.echo(token.secret)


@token_app.command("list")
@handles_errors
def token_list(
    username: str = typer.Option(None, "--user", help="Only this user's tokens."),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """List tokens (never their secrets): id, user, created, expires, revoked, last used."""
    from pedmassage.access.tokens import list_tokens

    with database() as db:
        tokens = list_tokens(db=db, username=username)
    if as_json:
        print_json([t.model_dump(mode="json") for t in tokens])
        return
    for t in tokens:
        state = "revoked" if t.revoked_at else f"expires {t.expires_at:%Y-%m-%d}"
        typer.echo(f"{t.id}\t{t.user_id}\t{t.created_at:%Y-%m-%d}\t{state}")


@token_app.command("revoke")
@handles_errors
def token_revoke(
    token_id: str = typer.Argument(..., help="The token's id (from token list)."),
) -> None:
    """Revoke a token at once."""
    from pedmassage.access.tokens import revoke_token

    at = now()
    with database() as db:
        token = revoke_token(db=db, token_id=token_id, now=at)
        _audit(db, "token.revoke", f"token/{token.id}", at)
    typer.echo(f"{token_id} revoked")

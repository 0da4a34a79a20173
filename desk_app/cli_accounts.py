"""The CLI's people: `desk-app init`, `desk-app users ...`, `desk-app passwd`, and the global
`--user NAME` sign-in that makes every other command act as that user, with the same checks as
the GUI (services.accounts.require).

Passwords never come from argv: each one is read from a prompt when standard input is a
terminal, else one per line from standard input, in this order: the `--user` password, then the
new password the command needs (init, users add, users reset, passwd).

Once a desk has users, every command but `gui`, `init` and `--self-test` needs `--user`. A
desk not yet set up (no users) runs commands without an actor, as before roles existed.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from desk_app.domain.roles import Action, Role
from desk_app.errors import LoginRequired, PasswordRejected
from desk_app.i18n import _

COMMANDS = ("init", "users", "passwd")

# The permission each existing command needs (checked before it runs; the services check too).
COMMAND_ACTIONS = {
    "demo-data": Action.RECORD,
    "import": Action.RECORD,
    "export": Action.EXPORT,
    "show": Action.VIEW,
    "search": Action.VIEW,
    "backup": Action.BACKUP,
    "audit": Action.AUDIT_VERIFY,
    "restore": Action.RESTORE,
    "privacy": Action.PERSONAL_DATA,
    "settings": Action.CONFIGURE_DESK,
    "holidays": Action.CONFIGURE_DESK,
    "receipt": Action.PRINT_RECEIPT,  # --copy: the service checks REPRINT_RECEIPT
    "register": Action.PRINT_REGISTER,
    "sync": Action.RUN_SYNC,  # `sync setup` needs CONFIGURE_SYNC too (services/sync.py)
}


def add_parsers(parser: argparse.ArgumentParser, sub) -> None:
    parser.add_argument(
        "--user",
        metavar="NAME",
        help=_("act as this user (the password is asked for, or read from standard input)"),
    )
    init = sub.add_parser("init", help=_("set up a new desk and its first IT officer"))
    init.add_argument("--desk-code", required=True, metavar="CODE")
    init.add_argument("--desk-name", required=True, metavar="NAME")
    init.add_argument("--office", default="", metavar="TEXT")
    init.add_argument("--region", default="", metavar="CODE", help=_("e.g. 14.03"))
    init.add_argument("--timezone", default="Asia/Jakarta", metavar="ZONE")
    init.add_argument("--contact", default="", metavar="TEXT")
    init.add_argument(
        "--admin", required=True, metavar="USER", help=_("the IT officer's user name")
    )
    init.add_argument("--admin-name", default="", metavar="NAME")
    init.add_argument(
        "--training",
        action="store_true",
        help=_("a training desk: takes demo data, never real complaints (cannot be changed)"),
    )

    users = sub.add_parser("users", help=_("manage users (IT officer)"))
    actions = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    actions.add_parser("list", help=_("list every user"))
    add = actions.add_parser("add", help=_("add a user; they choose a password at first login"))
    add.add_argument("username", metavar="USER")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--name", default="", metavar="NAME", help=_("full name"))
    role = actions.add_parser("role", help=_("change a user's role"))
    role.add_argument("username", metavar="USER")
    role.add_argument("role", choices=[r.value for r in Role])
    disable = actions.add_parser("disable", help=_("disable a user (never deleted)"))
    disable.add_argument("username", metavar="USER")
    disable.add_argument("--enable", action="store_true", help=_("enable the user again"))
    reset = actions.add_parser("reset", help=_("set a temporary password to be changed"))
    reset.add_argument("username", metavar="USER")
    sub.add_parser("passwd", help=_("change your own password (with --user)"))


def read_secret(prompt: str, *, confirm: bool = False) -> str:
    """A password from a prompt (terminal) or the next line of standard input."""
    if sys.stdin is not None and sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if confirm and getpass.getpass(_("Again: ")) != first:
            raise PasswordRejected(reason="mismatch")
        return first
    line = sys.stdin.readline() if sys.stdin is not None else ""
    return line.rstrip("\r\n")


def sign_in(desk, args: argparse.Namespace):
    """Return the desk acting as --user, after checking that the user may run the command.

    A desk not yet set up (no users) runs only `init`; a desk with users needs --user.
    """
    from desk_app.errors import DeskNotSetUp
    from desk_app.services import accounts

    if args.command == "init":
        return desk
    if not accounts.has_users(desk.db):
        raise DeskNotSetUp()
    if not args.user:
        raise LoginRequired()
    password = getattr(args, "password", None)  # read already by check_restore
    if password is None:
        password = read_secret(_("Password for {user}: ").format(user=args.user))
    desk = desk.acting(accounts.authenticate(desk, args.user, password))
    if not desk.db.writable:
        _err(_("The desk cannot be written now, so this sign-in is not recorded."))
    if args.command == "passwd":
        args.current_password = password
    action = COMMAND_ACTIONS.get(args.command)
    if action is not None:
        accounts.require(desk, desk.actor, action)
    return desk


def check_restore(args: argparse.Namespace) -> None:
    """`restore` with the desk closed never skips sign-in. When the current database opens,
    the restore needs an IT officer of it, as every command does. When it cannot be opened
    (damaged, or made by a newer version) it cannot say who may: then `--user` must be an IT
    officer in the backup being restored, checked read-only against that file's users. That
    backup is what the desk will trust next, and its IT officers are the people who will run
    it (services.accounts.authenticate_restorer says why that is the rule)."""
    from desk_app import paths
    from desk_app.errors import DatabaseDamaged, DatabaseTooNew
    from desk_app.services.desk import open_desk

    paths.init(args.data_dir)
    if not paths.db_path().exists():
        return
    if args.user:  # read once: it may be needed for the current database and the backup
        args.password = read_secret(_("Password for {user}: ").format(user=args.user))
    try:
        desk = open_desk(args.data_dir)
        try:
            sign_in(desk, args)
        finally:
            desk.close()
    except (DatabaseDamaged, DatabaseTooNew):
        _sign_in_from_backup(args)


def _sign_in_from_backup(args: argparse.Namespace) -> None:
    from pathlib import Path

    from desk_app.services import accounts, backup

    source = Path(args.file)
    backup.check_backup(source)  # a file that is no backup is refused before any password
    if not args.user:
        raise LoginRequired()
    accounts.authenticate_restorer(source, args.user, args.password)
    _err(_("The current database cannot be opened: signed in with the backup's users."))


def run(desk, args: argparse.Namespace) -> int:
    from desk_app.services import accounts

    if args.command == "init":
        password = read_secret(_("Password for {user}: ").format(user=args.admin), confirm=True)
        actor = accounts.init_desk(
            desk,
            desk_code=args.desk_code,
            desk_name=args.desk_name,
            office=args.office,
            region=args.region,
            timezone=args.timezone,
            contact=args.contact,
            admin_username=args.admin,
            admin_full_name=args.admin_name,
            admin_password=password,
            training=args.training,
        )
        print(actor.username)
        _err(
            _("The desk {code} is set up; IT officer: {user}.").format(
                code=desk.reloaded().desk_code, user=actor.username
            )
        )
    elif args.command == "passwd":
        if desk.actor is None:
            raise LoginRequired()
        new = read_secret(_("New password: "), confirm=True)
        old = getattr(args, "current_password", "")  # read for --user by sign_in()
        accounts.change_password(desk, desk.actor, old, new)
        _err(_("Password changed."))
    else:
        _users(desk, args)
    return 0


def _users(desk, args: argparse.Namespace) -> None:
    from desk_app.services import accounts

    actor = desk.actor
    command = args.users_command
    if command == "list":
        for u in accounts.list_users(desk, actor):
            if u.disabled:
                state = _("disabled")
            elif u.must_change_password:
                state = _("must change password")
            else:
                state = _("active")
            print("\t".join((u.username, u.role.value, u.full_name, state)))
        return
    accounts.require(desk, actor, Action.MANAGE_USERS)
    if command == "add":
        password = _temporary_password(args.username)
        info = accounts.create_user(
            desk, actor, args.username, args.name, Role(args.role), password
        )
    elif command == "role":
        info = accounts.set_role(desk, actor, args.username, Role(args.role))
    elif command == "disable":
        info = accounts.disable_user(desk, actor, args.username, disabled=not args.enable)
    else:
        password = _temporary_password(args.username)
        info = accounts.reset_password(desk, actor, args.username, password)
    print(info.username)


def _temporary_password(username: str) -> str:
    prompt = _("Temporary password for {user}: ").format(user=username)
    return read_secret(prompt, confirm=True)


def _err(text: str) -> None:
    print(text, file=sys.stderr)

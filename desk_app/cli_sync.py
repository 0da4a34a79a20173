"""`desk-app sync`: the upload to the provincial system and the status pull-back, for the IT
officer and the desk's service identity (services/sync.py checks who). `sync setup` keeps the
connection (the secret is read from standard input, never an argument); `sync status` shows
the counts and the refused items. Exit codes: 0 when nothing is left pending, 1 with a short
summary when items were refused, wait, or the server could not be reached; 2 bad usage."""

from __future__ import annotations

import argparse
import sys

from desk_app.errors import ValidationFailed
from desk_app.i18n import _, ngettext

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def _err(text: str) -> None:
    print(text, file=sys.stderr)


def add_parser(sub) -> None:
    sync = sub.add_parser(
        "sync",
        help=_("upload waiting complaints to the provincial system, then pull their statuses"),
    )
    actions = sync.add_subparsers(dest="sync_command", metavar="ACTION")
    setup = actions.add_parser(
        "setup",
        help=_(
            "keep the provincial server's address and client id; the secret is read from "
            "standard input and kept in the system keyring"
        ),
    )
    setup.add_argument("--server", required=True, metavar="URL")
    setup.add_argument("--client-id", required=True, metavar="ID")
    setup.add_argument(
        "--ca-bundle", metavar="FILE", help=_("the province's own CA certificate (PEM)")
    )
    actions.add_parser("status", help=_("show what waits, what was refused and the last sync"))


def run(desk, args: argparse.Namespace) -> int:
    from desk_app.services import sync

    if args.sync_command == "setup":
        return _setup(desk, args)
    if args.sync_command == "status":
        return _status(desk)
    try:
        report = sync.run(desk)
    except sync.SyncSecretNeeded as exc:
        report = _with_session_secret(desk, exc, lambda: sync.run(desk))
        if report is None:
            return EXIT_ERROR
    _summary(report)
    return EXIT_OK if report.ok else EXIT_ERROR


def _with_session_secret(desk, exc, again):
    """No keyring: say so, read the secret for this run only, and try again."""
    from desk_app.cli_accounts import read_secret
    from desk_app.services import sync

    _err(exc.message())
    secret = read_secret(_("Client secret: "))
    if not secret:
        return None
    sync.remember_secret_for_session(desk, secret)
    return again()


def _setup(desk, args: argparse.Namespace) -> int:
    from desk_app.cli_accounts import read_secret
    from desk_app.services import sync

    secret = read_secret(_("Client secret: "))
    if not secret.strip():
        _err(_("Type the client secret the province gave."))
        return EXIT_USAGE
    try:
        cfg = sync.configure(desk, args.server, args.client_id, secret, args.ca_bundle)
    except sync.SyncSetupRefused as exc:
        _err(exc.message())
        return EXIT_USAGE
    except ValidationFailed as exc:
        for text in exc.errors.values():
            _err(text)
        return EXIT_USAGE
    if cfg.keyring_ok:
        _err(_("The connection is kept; the secret is in the system keyring."))
    else:
        _err(
            _(
                "The connection is kept, but this computer has no keyring, so the secret was "
                "NOT stored: `desk-app sync` will ask for it each time it runs."
            )
        )
    return EXIT_OK


def _summary(report) -> None:
    from desk_app.services import sync

    for line in sync.report_lines(report):
        _err(line)
    if report.rejected or report.conflict:
        _err(_("`desk-app sync status` lists the refused complaints and why."))


def _status(desk) -> int:
    from desk_app.formatting import datetime_text
    from desk_app.services import sync

    refused = sync.rejected(desk)  # RUN_SYNC: the IT officer and the desk service only
    ov = sync.overview(desk)
    print(
        _("waiting {waiting}, sent {sent}, rejected {rejected}, conflicts {conflicts}").format(
            waiting=ov.waiting, sent=ov.sent, rejected=ov.rejected, conflicts=ov.conflicts
        )
    )
    if ov.last_sync_at is None:
        print(_("No sync has run yet."))
    else:
        when = datetime_text(ov.last_sync_at, desk.zone)
        if ov.last_error:
            print(
                _("Last sync {when}: {reason}").format(
                    when=when, reason=sync.stop_reason(ov.last_error)
                )
            )
        else:
            print(_("Last sync {when}: finished.").format(when=when))
    for item in refused:
        problems = "; ".join(f"{label} {problem}" for label, problem in item.errors)
        print(f"{item.tracking_no}  {_kind(item.kind)}  {_state(item.state)}  {problems}")
    return EXIT_OK if not (ov.waiting or ov.rejected or ov.conflicts) else EXIT_ERROR


def _kind(kind: str) -> str:
    return {
        "record": _("record"),
        "correction": _("correction"),
        "erasure": _("erasure"),
    }.get(kind, kind)


def _state(state: str) -> str:
    return {
        "rejected": _("rejected"),
        "conflict": _("conflict"),
        "waiting": _("waiting"),
        "sent": _("sent"),
    }.get(state, state)


def verify_anchors(desk) -> int:
    """`desk-app audit verify --anchors`: the local trail against the hub's anchors."""
    from desk_app.services import sync

    try:
        report = sync.check_anchors(desk)
    except sync.SyncSecretNeeded as exc:
        report = _with_session_secret(desk, exc, lambda: sync.check_anchors(desk))
        if report is None:
            return EXIT_ERROR
    for event_no, kind in report.problems:
        _err(sync.anchor_problem_text(event_no, kind))
    if not report.ok:
        _err(
            ngettext(
                "The audit trail no longer holds {count} event the provincial system saw: "
                "it was cut or rewritten after a sync.",
                "The audit trail no longer holds {count} events the provincial system saw: "
                "it was cut or rewritten after a sync.",
                len(report.problems),
            ).format(count=len(report.problems))
        )
        return EXIT_ERROR
    _err(
        ngettext(
            "The trail holds the {count} anchor the provincial system keeps.",
            "The trail holds all {count} anchors the provincial system keeps.",
            report.anchors,
        ).format(count=report.anchors)
    )
    return EXIT_OK

"""The `desk-app` command: with no command it starts the GUI; the rest is for IT officers and
scripts. Exit codes: 0 ok, 2 bad input or usage, 1 anything else. Messages go to stderr."""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

from desk_app import __version__, i18n
from desk_app.errors import DeskError, ImportFailed, MalformedNumber, MistypedNumber
from desk_app.i18n import _

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
log = logging.getLogger("desk_app.cli")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="desk-app", description=_("Meja Aduan: the public-service complaint desk.")
    )
    parser.add_argument("--version", action="version", version=f"Meja Aduan {__version__}")
    parser.add_argument("--data-dir", metavar="DIR", help=_("the desk's data folder"))
    parser.add_argument("--lang", choices=i18n.LANGUAGES, help=_("language (id or en)"))
    parser.add_argument(
        "--self-test",
        action="store_true",
        help=_("open a fresh database in a temporary folder, record and read back, exit"),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("gui", help=_("start the desk window (the default)"))
    demo = sub.add_parser("demo-data", help=_("record realistic demo complaints"))
    demo.add_argument("--count", type=int, default=200, metavar="N")
    demo.add_argument("--days", type=int, default=180, help=_("spread over this many past days"))
    demo.add_argument("--seed", type=int, default=None)
    imp = sub.add_parser("import", help=_("import complaints from CSV or JSON Lines"))
    imp.add_argument("file", metavar="FILE")
    exp = sub.add_parser("export", help=_("export every complaint"))
    exp.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    exp.add_argument("--out", metavar="FILE", help=_("write to FILE instead of standard output"))
    show = sub.add_parser("show", help=_("show one complaint by its tracking number"))
    show.add_argument("number", metavar="NUMBER")
    # TODO(roles): backup and restore are for the IT officer only.
    backup = sub.add_parser("backup", help=_("copy the database now; print the copy's path"))
    backup.add_argument("--out", metavar="FILE", help=_("write the copy to FILE (or folder)"))
    restore = sub.add_parser(
        "restore", help=_("replace the database with a backup (close the desk first)")
    )
    restore.add_argument("file", metavar="FILE")
    audit = sub.add_parser("audit", help=_("check the audit trail"))
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    audit_sub.add_parser(
        "verify", help=_("check that no audit event was changed, deleted, inserted or moved")
    )
    return parser


def _err(text: str) -> None:
    print(text, file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # The language must be known before the parser's help texts are made.
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            i18n.install(argv[i + 1])
        elif arg.startswith("--lang="):
            i18n.install(arg.split("=", 1)[1])
    args = _parser().parse_args(argv)
    try:
        if args.self_test:
            return self_test()
        if args.command in (None, "gui"):
            from ui.app import run_gui

            return run_gui(data_dir=args.data_dir)
        return _run_command(args)
    except (MistypedNumber, MalformedNumber) as exc:
        _err(exc.message())
        return EXIT_USAGE
    except ImportFailed as exc:
        _err(exc.message())
        for line, field, text in exc.problems:
            _err(_("line {line}, {field}: {message}").format(line=line, field=field, message=text))
        return EXIT_USAGE
    except DeskError as exc:
        _err(exc.message())
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_ERROR


def _run_command(args: argparse.Namespace) -> int:
    if args.command == "restore":  # with the desk closed; the database may be damaged
        return _restore(args)
    from desk_app.services.desk import open_desk

    desk = open_desk(args.data_dir)
    try:
        if args.command == "demo-data":
            from desk_app.services import demo

            if args.count < 1:
                _err(_("--count must be at least 1."))
                return EXIT_USAGE
            done = demo.generate(desk, args.count, days=args.days, seed=args.seed)
            print(_("Recorded {count} demo complaints.").format(count=done), file=sys.stderr)
        elif args.command == "import":
            from desk_app.services import transfer

            recorded = transfer.import_file(desk, args.file)
            for item in recorded:
                print(item.tracking_no)
            _err(
                i18n.ngettext(
                    "Imported {count} complaint.", "Imported {count} complaints.", len(recorded)
                ).format(count=len(recorded))
            )
        elif args.command == "export":
            from desk_app.services import transfer

            if args.out:
                with open(args.out, "w", encoding="utf-8", newline="") as out:
                    count = transfer.export(desk, args.format, out)
            else:
                count = transfer.export(desk, args.format, sys.stdout)
            _err(
                i18n.ngettext(
                    "Exported {count} complaint.", "Exported {count} complaints.", count
                ).format(count=count)
            )
        elif args.command == "show":
            from desk_app.services import lookup

            print(describe(desk, lookup.get_complaint(desk, args.number)))
        elif args.command == "backup":
            from desk_app.services import backup

            print(backup.make_backup(desk, Path(args.out) if args.out else None))
        elif args.command == "audit":
            _audit_verify(desk)
    finally:
        desk.close()
    return EXIT_OK


def _audit_verify(desk) -> None:
    """`desk-app audit verify`: the count on stdout when the trail holds, else AuditTrailBroken."""
    from desk_app.errors import AuditTrailBroken
    from desk_app.services import audit

    result = audit.verify(desk)
    if not result.ok:
        raise AuditTrailBroken(seq=result.first_broken_seq, reason=result.reason)
    print(result.count)
    _err(
        i18n.ngettext(
            "The audit trail is whole: {count} event checked.",
            "The audit trail is whole: {count} events checked.",
            result.count,
        ).format(count=result.count)
    )


def _restore(args: argparse.Namespace) -> int:
    """`desk-app restore FILE`: no questions; the pre-restore copy's path on stdout."""
    from desk_app.services import backup

    try:
        saved = backup.restore(args.data_dir, Path(args.file))
    except backup.RestoreRefused as exc:
        _err(exc.message())
        return EXIT_USAGE
    if saved is not None:
        print(saved)
    _err(_("Restored from {name}.").format(name=args.file))
    return EXIT_OK


def describe(desk, detail) -> str:
    """A complaint as readable text (used by `desk-app show`)."""
    from desk_app.domain.complaint import Channel, ReportType, Status
    from desk_app.domain.validation import format_phone
    from desk_app.formatting import date_text, datetime_text

    c = detail.complaint
    ref = desk.reference
    yes_no = {True: _("yes"), False: _("no"), None: "-"}
    lines = [
        (_("Tracking number"), c.tracking_no),
        (_("Status"), Status(c.status).label),
        (_("Report type"), ReportType(c.report_type).label),
        (_("Channel"), Channel(c.channel).label),
        (_("Received"), datetime_text(c.received_at, desk.zone)),
        (_("Deadline"), date_text(c.due_date)),
        (_("Reporter"), c.reporter_name or "-"),
        (_("NIK"), c.reporter_nik or "-"),
        (_("Phone"), format_phone(c.reporter_phone) if c.reporter_phone else "-"),
        (_("E-mail"), c.reporter_email or "-"),
        (_("Anonymous"), yes_no[c.anonymous]),
        (_("Confidential"), yes_no[c.confidential]),
        (_("Subject"), c.subject),
        (_("Category"), ref.label("category", c.category)),
        (_("Agency"), ref.label("agency", c.agency)),
        (_("Region"), ref.label("region", c.region)),
        (_("Event date"), date_text(c.event_date) or "-"),
        (_("Attachments"), ", ".join(a.filename for a in detail.attachments) or "-"),
    ]
    if detail.linked_number:
        lines.append((_("Linked to"), detail.linked_number))
    width = max(len(k) for k, _v in lines)
    text = "\n".join(f"{k.ljust(width)}  {v}" for k, v in lines)
    return f"{text}\n\n{c.description}"


def self_test() -> int:
    """Open a fresh database in a temporary folder, migrate, record and read back one complaint."""
    from desk_app.services import intake, lookup
    from desk_app.services.demo import sample_form
    from desk_app.services.desk import check_integrity, open_desk

    with tempfile.TemporaryDirectory(prefix="meja-aduan-selftest-") as tmp:
        desk = open_desk(Path(tmp))
        try:
            form = sample_form(subject="Uji mandiri aplikasi")
            recorded = intake.record_complaint(desk, form)
            check_integrity(desk)
            back = lookup.get_complaint(desk, recorded.tracking_no).complaint
            if back.id != recorded.id or back.subject != form.subject:
                _err("self-test: read-back mismatch")
                return EXIT_ERROR
        finally:
            desk.close()
    print(f"self-test ok: {recorded.tracking_no}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())

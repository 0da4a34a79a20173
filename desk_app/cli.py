"""The `desk-app` command: with no command it starts the GUI; the rest is for IT officers and
scripts. Exit codes: 0 ok, 2 bad input or usage, 1 anything else (a busy, full, read-only or
damaged desk, a refusal, and bugs, which are logged and told in words, never as a traceback).
Messages go to stderr."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from desk_app import (
    __version__,
    argparse_words,
    cli_accounts,
    cli_holidays,
    cli_reference,
    cli_sync,
    i18n,
    paths,
)
from desk_app.errors import DeskError, ImportFailed, MalformedNumber, MistypedNumber
from desk_app.hub import commands as hub_commands
from desk_app.i18n import _

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
log = logging.getLogger("desk_app.cli")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="desk-app", description=_("Meja Aduan: the public-service complaint desk.")
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"Meja Aduan {__version__}",
        help=_("show program's version number and exit"),  # Python 3.11 leaves it untranslated
    )
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
    _export_filter_arguments(exp)
    _search_parser(sub)
    show = sub.add_parser("show", help=_("show one complaint by its tracking number"))
    show.add_argument("number", metavar="NUMBER")
    backup = sub.add_parser("backup", help=_("copy the database now; print the copy's path"))
    backup.add_argument("--out", metavar="FILE", help=_("write the copy to FILE (or folder)"))
    restore = sub.add_parser(
        "restore", help=_("replace the database with a backup (close the desk first)")
    )
    restore.add_argument("file", metavar="FILE")
    conf = sub.add_parser("settings", help=_("show the desk's settings, or set one"))
    conf.add_argument("name", nargs="?", metavar="NAME", help=_("the setting to change"))
    conf.add_argument("value", nargs="?", metavar="VALUE")
    audit = sub.add_parser("audit", help=_("check the audit trail"))
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = audit_sub.add_parser(
        "verify",
        help=_(
            "check that no audit event was changed, deleted, inserted or moved, and that "
            "complaints and users are what the trail says"
        ),
    )
    verify.add_argument(
        "--anchors",
        action="store_true",
        help=_("also check the trail against the anchors the provincial system keeps"),
    )
    key_export = audit_sub.add_parser(
        "key-export", help=_("write the audit key's recovery file (IT officer, once)")
    )
    key_export.add_argument("--out", metavar="FILE", required=True)
    key_import = audit_sub.add_parser(
        "key-import", help=_("bring the audit key back from its recovery file (IT officer)")
    )
    key_import.add_argument("file", metavar="FILE")
    cli_accounts.add_parsers(parser, sub)  # --user, init, users, passwd
    cli_reference.add_parser(sub)  # reference list, reference import
    _privacy_parser(sub)
    _printing_parsers(sub)
    cli_holidays.add_parser(sub, _day)
    cli_sync.add_parser(sub)
    hub_commands.add_parser(sub)  # hub serve, add-desk, export, set-status
    return parser


def _day(text: str):
    """An argparse type: a date typed as dd/mm/yyyy (a bad one exits 2 with the reason)."""
    from desk_app.domain.validation import FieldInvalid, parse_date

    try:
        return parse_date(text)
    except FieldInvalid as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _export_filter_arguments(exp: argparse.ArgumentParser) -> None:
    from desk_app.domain.complaint import Status

    exp.add_argument(
        "--from", dest="date_from", type=_day, metavar="DD/MM/YYYY", help=_("received from")
    )
    exp.add_argument(
        "--to", dest="date_to", type=_day, metavar="DD/MM/YYYY", help=_("received until")
    )
    exp.add_argument("--status", choices=[s.value for s in Status], help=_("only this status"))


# -- search: the complaint list, headless ------------------------------------------------------


def _search_parser(sub) -> None:
    search = sub.add_parser(
        "search",
        help=_("list complaints as the desk's list does, newest received first"),
    )
    search.add_argument(
        "words",
        nargs="*",
        metavar="WORDS",
        help=_("a tracking number, NIK, phone number or words of the text"),
    )
    _export_filter_arguments(search)
    search.add_argument(
        "--oldest-first", action="store_true", help=_("oldest received first instead")
    )
    search.add_argument(
        "--limit", type=_count, default=100, metavar="N", help=_("at most N rows (100)")
    )


def _count(text: str) -> int:
    """An argparse type: a whole number from 1 on."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(_("give a whole number from 1 on"))
    return value


def _search(desk, args: argparse.Namespace) -> int:
    """The list's rows (same service call, order and identity rule), tab-separated."""
    from desk_app import list_rows
    from desk_app.services import lookup

    if args.date_from and args.date_to and args.date_from > args.date_to:
        _err(_("The start date is after the end date."))
        return EXIT_USAGE
    query = lookup.ListQuery(
        text=" ".join(args.words),
        status=args.status,
        date_from=args.date_from,
        date_to=args.date_to,
        descending=not args.oldest_first,
    )
    if lookup.arrival_order(query):
        _err(_("Word searches list complaints in the order they were recorded."))
    today = desk.today()
    print("\t".join(_(header) for header in list_rows.HEADERS))
    cursor, shown = None, 0
    while shown < args.limit:
        page = lookup.list_complaints(
            desk, query, cursor, limit=min(lookup.PAGE_SIZE, args.limit - shown)
        )
        for row in page.rows:
            cells = list_rows.cells(desk, row, today)
            print("\t".join(" ".join(text.split()) for text in cells))
        shown += len(page.rows)
        cursor = page.cursor
        if cursor is None:
            break
    return EXIT_OK


# -- receipts and the register -----------------------------------------------------------------


def _printing_parsers(sub) -> None:
    receipt = sub.add_parser(
        "receipt", help=_("write a complaint's receipt as PDF (a copy with --copy: supervisor)")
    )
    receipt.add_argument("number", metavar="NUMBER")
    receipt.add_argument("--layout", choices=("80mm", "a5", "a4"), default=None)
    receipt.add_argument(
        "--copy", action="store_true", help=_("a reprint, marked as a copy (supervisor)")
    )
    receipt.add_argument("--out", metavar="FILE.pdf", required=True)
    register = sub.add_parser(
        "register", help=_("write the register of complaints received in a date range")
    )
    register.add_argument(
        "--from", dest="date_from", type=_day, metavar="DD/MM/YYYY", required=True
    )
    register.add_argument(
        "--to",
        dest="date_to",
        type=_day,
        metavar="DD/MM/YYYY",
        help=_("the last day (default: the first)"),
    )
    register.add_argument(
        "--out", metavar="FILE", required=True, help=_("FILE.pdf, or FILE.xlsx for a workbook")
    )


def _receipt(desk, args: argparse.Namespace) -> int:
    from desk_app import files, settings
    from desk_app.services import printing

    layout = args.layout or settings.get(desk.db, "receipt_layout")
    if args.copy:
        printed = printing.reprint_receipt(desk, args.number, layout)
    else:
        printed = printing.first_receipt(desk, args.number, layout)
    files.write_private(args.out, printed.pdf)
    print(args.out)
    return EXIT_OK


def _register(desk, args: argparse.Namespace) -> int:
    from desk_app import files
    from desk_app.services import printing

    fmt = "xlsx" if str(args.out).lower().endswith(".xlsx") else "pdf"
    try:
        made = printing.daily_register(desk, args.date_from, args.date_to, fmt)
    except printing.RegisterRangeInvalid as exc:
        _err(exc.message())
        return EXIT_USAGE
    files.write_private(args.out, made.data)
    print(args.out)
    _err(
        i18n.ngettext(
            "The register holds {count} complaint.",
            "The register holds {count} complaints.",
            len(made.content.rows),
        ).format(count=len(made.content.rows))
    )
    return EXIT_OK


# -- privacy: a reporter's personal-data requests (UU 27/2022) ---------------------------------
# TODO(roles): privacy export and erase are for the supervisor (or IT) only.


def _privacy_parser(sub) -> None:
    privacy = sub.add_parser(
        "privacy",
        help=_("a reporter's personal-data request: export or erase their data, or refuse it"),
    )
    actions = privacy.add_subparsers(dest="privacy_command", metavar="ACTION", required=True)
    export = actions.add_parser(
        "export", help=_("write everything held about one reporter to a JSON file")
    )
    erase = actions.add_parser(
        "erase",
        help=_(
            "blank one reporter's identity and delete their attachments in their complaints "
            "older than the retention"
        ),
    )
    refuse = actions.add_parser(
        "refuse", help=_("record that a reporter's request was refused, and why")
    )
    for action in (export, erase, refuse):
        who = action.add_mutually_exclusive_group(required=True)
        who.add_argument("--nik", metavar="NIK", help=_("the reporter's NIK"))
        who.add_argument("--phone", metavar="PHONE", help=_("the reporter's phone number"))
        who.add_argument("--email", metavar="EMAIL", help=_("the reporter's e-mail address"))
    export.add_argument("--out", metavar="FILE", required=True, help=_("the JSON file to write"))
    export.add_argument("--html", metavar="FILE", help=_("also write a readable HTML file"))
    erase.add_argument(
        "--reason", metavar="TEXT", required=True, help=_("the request this erasure answers")
    )
    refuse.add_argument(
        "--reason", metavar="TEXT", required=True, help=_("why the request is refused")
    )
    erase.add_argument(
        "--older-than-years",
        type=int,
        metavar="N",
        help=_("erase only complaints received more than N years ago (default: the setting)"),
    )


def _privacy(desk, args: argparse.Namespace) -> int:
    """`desk-app privacy export|erase|refuse`: counts on stdout; bad identifiers exit 2.

    No identifier value is ever printed back: the messages name the field, not what was typed.
    """
    from desk_app.errors import ValidationFailed
    from desk_app.services import privacy

    who = dict(nik=args.nik, phone=args.phone, email=args.email)
    try:
        if args.privacy_command == "export":
            count = privacy.export_subject(desk, **who, out=args.out, html_out=args.html)
            print(count)
            _err(
                i18n.ngettext(
                    "Exported {count} complaint of this reporter.",
                    "Exported {count} complaints of this reporter.",
                    count,
                ).format(count=count)
            )
        elif args.privacy_command == "refuse":
            held = privacy.refuse_request(desk, **who, reason=args.reason)
            _err(
                i18n.ngettext(
                    "The refusal and its reason were recorded ({count} complaint of this "
                    "reporter is held).",
                    "The refusal and its reason were recorded ({count} complaints of this "
                    "reporter are held).",
                    held,
                ).format(count=held)
            )
        else:
            result = privacy.erase_subject(
                desk, **who, reason=args.reason, older_than_years=args.older_than_years
            )
            print(f"erased={result.erased} kept={result.kept}")  # for scripts: not translated
            _err(
                _(
                    "Reporter identity erased in {erased} complaint(s); {kept} kept because "
                    "received less than {years} year(s) ago."
                ).format(erased=result.erased, kept=result.kept, years=result.older_than_years)
            )
    except ValidationFailed as exc:
        _err(exc.message())
        for field, text in exc.errors.items():
            _err(f"--{field.replace('_', '-')}: {text}")
        return EXIT_USAGE
    return EXIT_OK


def _err(text: str) -> None:
    print(text, file=sys.stderr)


def main(argv: list[str] | None = None, gui: Callable[[str | None], int] | None = None) -> int:
    """Run one command. `gui(data_dir)` starts the desk window: the launcher in ui/ passes
    it, so this core module never imports Qt (a headless install can still sync and back up).
    """
    argv = sys.argv[1:] if argv is None else argv
    paths.private_umask()  # files this process makes are the user's only (see desk_app.paths)
    # The language must be known before the parser's help texts are made.
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            i18n.install(argv[i + 1])
        elif arg.startswith("--lang="):
            i18n.install(arg.split("=", 1)[1])
    argparse_words.install()  # "usage:", "options" and argparse's errors in that language
    args = _parser().parse_args(argv)
    try:
        if args.self_test:
            return self_test()
        if args.command in (None, "gui"):
            if gui is None:
                _err(_("The desk window is not part of this installation; give a command."))
                return EXIT_USAGE
            return gui(args.data_dir)
        if args.command == "hub":  # the province's side: no desk, no desk user
            return hub_commands.run(args)
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
    except BrokenPipeError:  # `desk-app export ... | head`: the reader has had enough
        _quiet_stdout()
        return EXIT_OK
    except Exception as exc:  # a bug: logged (no personal data), told in words, no traceback
        _err(_unexpected(exc, args))
        return EXIT_ERROR


def _unexpected(exc: Exception, args: argparse.Namespace) -> str:
    from desk_app import logs

    if logs.log_file() is None:  # the error came before the log was set up: try now
        try:
            paths.init(args.data_dir)
            logs.setup(excepthook=False)
        except Exception:  # noqa: BLE001 - then the message says the log is missing too
            pass
    return logs.log_bug(exc)


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's own flush at exit does not raise
    the broken pipe again (Python's documented way: docs.python.org, signal, SIGPIPE)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _run_command(args: argparse.Namespace) -> int:
    from desk_app import logs

    paths.init(args.data_dir)
    logs.setup()
    if args.command == "restore":  # with the desk closed; the database may be damaged
        return _restore(args)
    from desk_app.services.desk import open_desk

    desk = open_desk(args.data_dir)
    i18n.follow_desk(desk.language)  # the desk's language unless --lang chose one
    if desk.bad_settings:  # the desk still opens; say which stored value is wrong, every time
        from desk_app import settings

        _err(settings.bad_settings_note(desk.bad_settings))
    try:
        mark = _audit_mark(desk, args)  # the trail as it was before the sign-in's own event
        desk = cli_accounts.sign_in(desk, args)  # acting as --user; checks the command
        if args.command in cli_accounts.COMMANDS:
            return cli_accounts.run(desk, args)
        if args.command in ("demo-data", "import", "sync"):  # long runs: see startup.py
            from desk_app import startup

            startup.settle()
        if args.command == "demo-data":
            return _demo_data(desk, args)
        elif args.command == "import":
            from desk_app.services import transfer

            try:
                recorded = transfer.import_file(desk, args.file)
            except transfer.UnreadableFile as exc:
                _err(exc.message())
                return EXIT_USAGE
            for item in recorded:
                print(item.tracking_no)
            _err(
                i18n.ngettext(
                    "Imported {count} complaint.", "Imported {count} complaints.", len(recorded)
                ).format(count=len(recorded))
            )
        elif args.command == "export":
            from desk_app.services import transfer

            try:  # a file is written 0600 through files.private_writer, never via a symlink
                which = transfer.ExportFilter(args.date_from, args.date_to, args.status)
                count = transfer.export(desk, args.format, args.out or sys.stdout, which)
            except transfer.ExportTargetInvalid as exc:
                _err(exc.message())
                return EXIT_USAGE
            _err(
                i18n.ngettext(
                    "Exported {count} complaint.", "Exported {count} complaints.", count
                ).format(count=count)
            )
        elif args.command == "search":
            return _search(desk, args)
        elif args.command == "show":
            from desk_app.services import lookup

            print(describe(desk, lookup.get_complaint(desk, args.number)))
        elif args.command == "backup":
            from desk_app.services import backup

            print(backup.make_backup(desk, Path(args.out) if args.out else None))
        elif args.command == "settings":
            return _settings(desk, args)
        elif args.command == "audit":
            return _audit(desk, args, mark)
        elif args.command == "privacy":
            return _privacy(desk, args)
        elif args.command == "holidays":
            return cli_holidays.run(desk, args)
        elif args.command == "receipt":
            return _receipt(desk, args)
        elif args.command == "register":
            return _register(desk, args)
        elif args.command == "reference":
            return cli_reference.run(desk, args)
        elif args.command == "sync":
            return cli_sync.run(desk, args)
    finally:
        desk.close()
    return EXIT_OK


def _settings(desk, args: argparse.Namespace) -> int:
    """`desk-app settings [NAME VALUE]`: list every setting, or change one (audited).

    A refused value exits 2 and stores nothing; the message names the setting and what it
    allows.
    """
    from desk_app.errors import SettingFixed, SettingInvalid, SettingUnknown
    from desk_app.services import desk_settings

    if args.name is None:
        for row in desk_settings.list_settings(desk):
            print(f"{row.name} = {row.value}")
        return EXIT_OK
    if args.value is None:
        _err(_("Give a setting's name and its new value; `desk-app settings` lists them."))
        return EXIT_USAGE
    try:
        desk_settings.change_setting(desk, args.name, args.value)
    except (SettingInvalid, SettingUnknown, SettingFixed) as exc:
        _err(exc.message())
        return EXIT_USAGE
    return EXIT_OK


def _demo_data(desk, args: argparse.Namespace) -> int:
    """`desk-app demo-data`: only on a training desk (`init --training`); progress on stderr."""
    from desk_app.errors import DemoRefused
    from desk_app.services import demo

    if args.count < 1:
        _err(_("--count must be at least 1."))
        return EXIT_USAGE
    if not 0 <= args.days <= demo.MAX_DAYS:
        _err(_("--days must be from 0 to {high}.").format(high=demo.MAX_DAYS))
        return EXIT_USAGE
    step = max(args.count // 10, demo.BATCH)
    reported = [0]

    def progress(done: int) -> None:
        if done - reported[0] >= step and done < args.count:
            reported[0] = done
            text = _("{done} of {count} demo complaints recorded.")
            _err(text.format(done=done, count=args.count))

    def rebuilding() -> None:
        _err(_("All recorded; building the list's indexes again..."))

    try:
        done = demo.generate(
            desk,
            args.count,
            days=args.days,
            seed=args.seed,
            progress=progress,
            rebuilding=rebuilding,
        )
    except DemoRefused as exc:
        _err(exc.message())
        return EXIT_USAGE
    _err(_("Recorded {count} demo complaints.").format(count=done))
    return EXIT_OK


def _audit_mark(desk, args: argparse.Namespace):
    if args.command == "audit" and args.audit_command == "verify":
        from desk_app.audit.verify import take_mark

        return take_mark(desk.db)
    return None


def _audit(desk, args: argparse.Namespace, mark) -> int:
    """`desk-app audit verify|key-export|key-import`."""
    from desk_app.services import audit

    if args.audit_command == "key-export":
        print(audit.export_key(desk, args.out))
        _err(
            _(
                "The audit key was written to {file}. Keep it apart from this PC (a USB stick "
                "in the office safe): with a backup it brings the key back on a new PC."
            ).format(file=args.out)
        )
        return EXIT_OK
    if args.audit_command == "key-import":
        print(audit.import_key(desk, args.file))
        _err(_("The audit key is back in place; `desk-app audit verify` checks the trail."))
        return EXIT_OK
    code = _audit_verify(desk, mark)
    if getattr(args, "anchors", False):
        code = max(code, cli_sync.verify_anchors(desk))
    return code


def _audit_verify(desk, mark) -> int:
    """`desk-app audit verify`: the count on stdout when the trail holds; else each problem
    on stderr and exit 1. Checked against the trail as it was before this command signed in."""
    from desk_app.services import audit

    result = audit.verify(desk, mark)
    error = audit.verify_error(result)
    if error is not None:
        for item in result.differences:
            _err(audit.difference_text(item))
        _err(error.message())
        return EXIT_ERROR
    print(result.count)
    _err(
        i18n.ngettext(
            "The audit trail is whole: {count} event checked.",
            "The audit trail is whole: {count} events checked.",
            result.count,
        ).format(count=result.count)
    )
    return EXIT_OK


def _restore(args: argparse.Namespace) -> int:
    """`desk-app restore FILE`: no questions; the pre-restore copy's path on stdout."""
    from desk_app.services import backup

    try:
        cli_accounts.check_restore(args)  # never skipped, even on a damaged database
        saved = backup.restore(
            args.data_dir, Path(args.file), actor=(args.user or "").strip().lower() or None
        )
    except backup.RestoreRefused as exc:
        _err(exc.message())
        return EXIT_USAGE
    if saved is not None:
        print(saved)
    _err(_("Restored from {name}.").format(name=args.file))
    return EXIT_OK


# What `desk-app show` prints, in the presenter's order (labels and values from there).
SHOW_KEYS = (
    "tracking_no",
    "status",
    "status_changed_at",
    "provincial_id",
    "disposed_to",
    "status_note",
    "report_type",
    "channel",
    "received_at",
    "due_date",
    "reporter_name",
    "reporter_nik",
    "reporter_phone",
    "reporter_email",
    "reporter_address",
    "anonymous",
    "confidential",
    "subject",
    "category",
    "agency",
    "region",
    "district",
    "village",
    "event_date",
    "recorded_by",
    "attachments",
    "linked_to",
)


def describe(desk, detail) -> str:
    """A complaint as readable text (used by `desk-app show`): desk_app.presenter's lines."""
    from desk_app import presenter

    view = presenter.present(desk, detail)
    lines = view.pick(SHOW_KEYS)
    width = max(len(line.label) for line in lines)
    text = "\n".join(f"{line.label.ljust(width)}  {line.text}" for line in lines)
    return f"{text}\n\n{view.description}"


def self_test() -> int:
    """In a temporary folder: set a desk up, add a clerk, sign in as the clerk, record and read
    back one complaint, render its receipt, check the database. The same doors as a real desk:
    no shortcut."""
    import secrets

    from desk_app.domain.roles import Role
    from desk_app.services import accounts, intake, lookup
    from desk_app.services.demo import sample_form
    from desk_app.services.desk import check_integrity, open_desk

    with tempfile.TemporaryDirectory(prefix="meja-aduan-selftest-") as tmp:
        desk = open_desk(Path(tmp))
        try:
            admin_pw, clerk_pw = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
            admin = accounts.init_desk(
                desk, "UJI01", "Uji mandiri", admin_username="uji.ti", admin_password=admin_pw
            )
            desk = desk.reloaded()
            accounts.create_user(
                desk.acting(admin),
                admin,
                "uji.petugas",
                "Petugas Uji",
                Role.CLERK,
                clerk_pw,
                must_change_password=False,
            )
            clerk = desk.acting(accounts.authenticate(desk, "uji.petugas", clerk_pw))
            form = sample_form(subject="Uji mandiri aplikasi")
            recorded = intake.record_complaint(clerk, form)
            check_integrity(clerk)
            back = lookup.get_complaint(clerk, recorded.tracking_no).complaint
            if back.id != recorded.id or back.subject != form.subject:
                _err("self-test: read-back mismatch")
                return EXIT_ERROR
            # The receipt: reportlab, the shipped fonts and the QR code are in this bundle, and
            # PDFium (what the preview and the printer get) can draw it.
            from desk_app.receipts import raster
            from desk_app.services import printing

            pdf = printing.first_receipt(clerk, recorded.tracking_no, "80mm").pdf
            if not pdf.startswith(b"%PDF") or next(raster.images(pdf, dpi=30)).width < 50:
                _err("self-test: no receipt")
                return EXIT_ERROR
            # Demo data's helper process (services/demo_helper.py) starts from this bundle.
            from desk_app.services import demo_helper

            now = desk.now()
            if not demo_helper.works_here(desk.reference, desk.zone, now, desk.local_day(now)):
                _err("self-test: no helper process")
                return EXIT_ERROR
        finally:
            desk.close()
    print(f"self-test ok: {recorded.tracking_no}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())

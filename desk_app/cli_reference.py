"""`desk-app reference list` (which official list each reference file follows) and
`desk-app reference import FILE [--apply]` (IT: a newer region list, its changes shown first).

Without --apply the import only shows what would change; at a terminal it then asks, and a
"y" applies it. Applied, the list is kept in the data folder and read from the next start.
"""

from __future__ import annotations

import argparse
import sys

from desk_app.i18n import _

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def add_parser(sub) -> None:
    ref = sub.add_parser(
        "reference", help=_("the reference lists' sources; import a newer region list")
    )
    actions = ref.add_subparsers(dest="reference_command", metavar="ACTION", required=True)
    actions.add_parser("list", help=_("which official list each reference file follows"))
    imp = actions.add_parser(
        "import",
        help=_(
            "show what a newer region list changes (the wilayah SQL dump or a Kemendagri CSV "
            "code;name), and apply it with --apply (IT officer)"
        ),
    )
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--apply", action="store_true", help=_("apply the changes shown"))


def run(desk, args: argparse.Namespace) -> int:
    from desk_app.services import reference_data

    if args.reference_command == "list":
        for source in reference_data.list_sources(desk):
            print(reference_data.source_text(source))
            print()
        return EXIT_OK
    return _import(desk, args)


def _at_terminal() -> bool:
    return sys.stdin.isatty()


def _import(desk, args: argparse.Namespace) -> int:
    from desk_app import wilayah
    from desk_app.services import reference_data

    try:
        preview = reference_data.preview_import(desk, args.file)
    except (wilayah.SourceUnreadable, reference_data.SourceNotRead) as exc:
        print(exc.message(), file=sys.stderr)
        return EXIT_USAGE
    basis = preview.legal_basis or _("no legal basis stated in the file")
    print(
        _("{file}: {count} codes of the province ({basis}).").format(
            file=preview.file, count=len(preview.codes), basis=basis
        )
    )
    if preview.changes.empty:
        print(_("Nothing changes: the list in use is the same."))
        return EXIT_OK
    print(reference_data.changes_text(preview.changes))
    apply = args.apply
    if not apply and _at_terminal():
        answer = input(_("Apply these changes? [y/N] "))
        apply = answer.strip().casefold() in ("y", "ya", "yes")
    if not apply:
        print(
            _("Nothing was changed. Run again with --apply to apply these changes."),
            file=sys.stderr,
        )
        return EXIT_OK
    reference_data.apply_import(desk, args.file)
    print(_("Applied: the desk reads the new list from its next start."), file=sys.stderr)
    return EXIT_OK

"""One printing job from the GUI, as a user lives it: the document is made by a service on a
worker, shown in the preview, the system print dialog chooses the printer (the last one used
for this layout is offered), and the pages are painted on a worker, so the form never waits.

`Printing` is shared by the intake page (the first receipt, one key after saving), the complaint
detail (a supervisor's reprint) and the list (the register). Tests replace `choose_printer`
and `PreviewDialog.ask` (no dialog then) and wait for `printed`.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtPrintSupport import QPrintDialog, QPrinter

from desk_app.i18n import _

from ui import messages
from ui.printing import paper
from ui.printing.preview import PreviewDialog
from ui.workers import Runner


class Printing(QObject):
    """Signals: printed(str what) once the pages went to the printer; failed(object) after an
    error was shown."""

    printed = Signal(str)
    failed = Signal(object)

    def __init__(self, runner: Runner, parent_widget) -> None:
        super().__init__(parent_widget)
        self.runner = runner
        self.widget = parent_widget
        self.busy = False

    def run(
        self,
        make: Callable[[], tuple[str, bytes, str]],
        *,
        what: str,
        preview: bool = True,
        on_made: Callable[[tuple[str, bytes, str]], None] | None = None,
    ) -> bool:
        """Make the document with `make()` on a worker (a write: the service records the
        print) as (title, pdf, layout), then preview and print it. Returns False when a job is
        already under way."""
        if self.busy:
            return False
        self.busy = True

        def made(result) -> None:
            if on_made is not None:
                on_made(result)
            self._made(result, what, preview)

        self.runner.write(make, on_done=made, on_error=self._failed)
        return True

    def print_pdf(self, made: tuple[str, bytes, str], *, what: str) -> None:
        """Preview and print a document already made (kept by the caller)."""
        if self.busy:
            return
        self.busy = True
        self._made(made, what, True)

    def _made(self, made: tuple[str, bytes, str], what: str, preview: bool) -> None:
        title, pdf, layout = made
        if not preview:
            self._choose_and_paint(pdf, layout, what, ask=False)
            return
        self.runner.read(
            paper.preview_images,
            pdf,
            on_done=lambda images: self._previewed(title, images, pdf, layout, what),
            on_error=self._failed,
        )

    def _previewed(self, title: str, images, pdf: bytes, layout: str, what: str) -> None:
        if not PreviewDialog.ask(self.widget, title, images):
            self.busy = False
            return
        self._choose_and_paint(pdf, layout, what, ask=True)

    def _choose_and_paint(self, pdf: bytes, layout: str, what: str, *, ask: bool) -> None:
        printer = self.choose_printer(pdf, layout, ask=ask)
        if printer is None:
            self.busy = False
            return
        paper.remember_printer(layout, printer)
        self.runner.read(
            paper.paint,
            pdf,
            printer,
            on_done=lambda _pages: self._done(what, printer),
            on_error=self._failed,
        )

    def choose_printer(self, pdf: bytes, layout: str, *, ask: bool) -> QPrinter | None:
        """The system print dialog on a printer set up for the PDF's paper (the last printer
        used for `layout` chosen); None when cancelled. Without `ask`: that printer as is."""
        printer = paper.printer_for(pdf, layout)
        if not ask:
            return printer
        dialog = QPrintDialog(printer, self.widget)
        dialog.setWindowTitle(_("Print"))
        if dialog.exec() != QPrintDialog.DialogCode.Accepted:
            return None
        paper.fit_to(printer, pdf)  # the dialog may have changed the paper: the PDF's wins
        return printer

    def _done(self, what: str, printer: QPrinter) -> None:
        self.busy = False
        self._printer = printer  # kept until the job is reported (tests read the file after)
        messages.status(what, 8000)
        self.printed.emit(what)

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        messages.show_error(self.widget, exc)
        self.failed.emit(exc)

"""The daily register (buku register harian): every complaint of a day or a date range, as an A4
landscape PDF with page numbers ("Halaman 2 dari 5") and the totals per channel, report type and
category at the end, and as an Excel workbook with the same rows and totals.

`RegisterContent` is the register in words (services/printing.py makes it from the presenter);
the column widths below are the only layout decision. Rows are wrapped, never cut: a long
subject makes its row taller and the table goes on to the next page with its header again.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from desk_app.i18n import _
from desk_app.receipts import fonts
from desk_app.receipts.fonts import BOLD, REGULAR
from desk_app.receipts.receipt import ACCENT, INK, MUTED, WASH
from desk_app.receipts.text import wrap

PAGE = landscape(A4)
MARGIN = 12 * mm
SIZE = 7.4  # body text
LEAD = SIZE * 1.25
PAD = 1.4 * mm
# Share of the width per column: No., number, received, channel, type, reporter, subject,
# category, agency, deadline, status.
SHARES = (3.7, 15, 8.6, 7.4, 7.6, 11, 19, 9.4, 17, 8.5, 7.1)


@dataclass(frozen=True)
class RegisterContent:
    desk_name: str
    office: str
    title: str
    period: str
    printed: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    totals: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]  # (heading, ((name, count)...))
    total_line: str
    empty: str
    totals_title: str
    count_label: str


def _widths() -> list[float]:
    room = PAGE[0] - 2 * MARGIN
    total = sum(SHARES)
    return [room * s / total for s in SHARES]


def _cells(row, widths, font=REGULAR, size=SIZE) -> list[list[str]]:
    return [wrap(text, font, size, w - 2 * PAD) for text, w in zip(row, widths, strict=True)]


class _Pages:
    """Draws onto the canvas page by page; `count` pages are known before drawing (two passes:
    the first only measures)."""

    def __init__(self, content: RegisterContent, canvas: Canvas | None, pages: int = 0) -> None:
        self.content = content
        self.c = canvas
        self.pages = pages
        self.page = 0
        self.widths = _widths()
        self.y = 0.0

    def new_page(self) -> None:
        if self.page and self.c is not None:
            self.c.showPage()
        self.page += 1
        self.y = PAGE[1] - MARGIN
        c, content = self.c, self.content
        if c is not None:
            c.setFillColorRGB(*INK)
            c.setFont(BOLD, 12)
            c.drawString(MARGIN, self.y - 11, content.desk_name)
            c.setFont(BOLD, 11)
            c.drawRightString(PAGE[0] - MARGIN, self.y - 11, content.title)
            c.setFont(REGULAR, 8)
            c.setFillColorRGB(*MUTED)
            c.drawString(MARGIN, self.y - 22, content.office)
            c.drawRightString(PAGE[0] - MARGIN, self.y - 22, content.period)
            c.setStrokeColorRGB(*ACCENT)
            c.setLineWidth(1.2)
            c.line(MARGIN, self.y - 27, PAGE[0] - MARGIN, self.y - 27)
            foot = _("Page {page} of {pages}").format(page=self.page, pages=self.pages)
            c.setFont(REGULAR, 7.5)
            c.drawString(MARGIN, MARGIN - 4, content.printed)
            c.drawRightString(PAGE[0] - MARGIN, MARGIN - 4, foot)
        self.y -= 33
        self._header()

    def _header(self) -> None:
        lines = _cells(self.content.columns, self.widths, BOLD, SIZE)
        height = max(len(x) for x in lines) * LEAD + 2 * PAD
        if self.c is not None:
            self.c.setFillColorRGB(*WASH)
            self.c.rect(MARGIN, self.y - height, sum(self.widths), height, stroke=0, fill=1)
            self._draw_row(lines, BOLD, INK)
        self.y -= height

    def _draw_row(self, lines, font, color) -> None:
        c = self.c
        c.setFont(font, SIZE)
        c.setFillColorRGB(*color)
        x = MARGIN
        for cell, w in zip(lines, self.widths, strict=True):
            for n, line in enumerate(cell):
                c.drawString(x + PAD, self.y - PAD - (n + 1) * LEAD + SIZE * 0.3, line)
            x += w

    def room(self) -> float:
        return self.y - (MARGIN + 8)

    def row(self, row) -> None:
        lines = _cells(row, self.widths)
        height = max(len(x) for x in lines) * LEAD + 2 * PAD
        if height > self.room():
            self.new_page()
        if self.c is not None:
            self._draw_row(lines, REGULAR, INK)
            self.c.setStrokeColorRGB(0.82, 0.85, 0.89)
            self.c.setLineWidth(0.4)
            self.c.line(MARGIN, self.y - height, MARGIN + sum(self.widths), self.y - height)
        self.y -= height

    def text(self, text: str, font=REGULAR, size=SIZE + 1, color=INK, x=MARGIN) -> None:
        if self.room() < size * 2:
            self.new_page()
        self.y -= size * 1.5
        if self.c is not None:
            self.c.setFont(font, size)
            self.c.setFillColorRGB(*color)
            self.c.drawString(x, self.y, text)

    def totals(self) -> None:
        """The totals as side-by-side small tables (name, count), under the rows."""
        content = self.content
        self.text(content.total_line, BOLD, SIZE + 1.5)
        groups = content.totals
        if not groups or not content.rows:
            return
        gap = 8 * mm
        width = (sum(self.widths) - gap * (len(groups) - 1)) / len(groups)
        longest = max(len(items) for _h, items in groups)
        needed = (longest + 2) * LEAD + 6 * mm
        if self.room() < min(needed, PAGE[1] / 2):
            self.new_page()
        self.y -= 4 * mm
        self.text(content.totals_title, BOLD, SIZE + 1.5)
        top = self.y - 2 * mm
        lowest = top
        for i, (heading, items) in enumerate(groups):
            x = MARGIN + i * (width + gap)
            y = top
            rows = [(heading, content.count_label), *[(n, str(v)) for n, v in items]]
            for k, (name, count) in enumerate(rows):
                names = wrap(name, BOLD if k == 0 else REGULAR, SIZE, width - 16 * mm)
                height = len(names) * LEAD + 2
                if y - height < MARGIN + 8:
                    break  # a very long list of categories: the workbook has them all
                if self.c is not None:
                    if k == 0:
                        self.c.setFillColorRGB(*WASH)
                        self.c.rect(x, y - height, width, height, stroke=0, fill=1)
                    self.c.setFillColorRGB(*INK)
                    self.c.setFont(BOLD if k == 0 else REGULAR, SIZE)
                    for n, line in enumerate(names):
                        self.c.drawString(x + PAD, y - (n + 1) * LEAD + SIZE * 0.3, line)
                    self.c.drawRightString(x + width - PAD, y - LEAD + SIZE * 0.3, count)
                y -= height
            lowest = min(lowest, y)
        self.y = lowest


def _lay_out(content: RegisterContent, canvas: Canvas | None, pages: int) -> int:
    p = _Pages(content, canvas, pages)
    p.new_page()
    if not content.rows:
        p.text(content.empty, color=MUTED)
    for row in content.rows:
        p.row(row)
    p.totals()
    return p.page


def pdf(content: RegisterContent) -> bytes:
    """The register as an A4 landscape PDF (invariant: the same content, the same bytes)."""
    fonts.register()
    pages = _lay_out(content, None, 0)
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=PAGE, invariant=1, pageCompression=1)
    canvas.setTitle(f"{content.title} — {content.period}")
    canvas.setCreator("Meja Aduan")
    canvas.setAuthor(content.desk_name)
    _lay_out(content, canvas, pages)
    canvas.showPage()
    canvas.save()
    return buf.getvalue()


def xlsx(content: RegisterContent) -> bytes:
    """The register as an Excel workbook: sheet 1 the rows, sheet 2 the totals."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook()
    sheet = book.active
    sheet.title = _("Register")[:31]
    bold = Font(bold=True)
    sheet.append([content.desk_name])
    sheet.append([content.title])
    sheet.append([content.period])
    sheet.append([content.printed])
    sheet.append([])
    sheet.append(list(content.columns))
    head = sheet.max_row
    fill = PatternFill("solid", fgColor="E8EEF4")
    for cell in sheet[head]:
        cell.font = bold
        cell.fill = fill
    sheet["A1"].font = Font(bold=True, size=13)
    for row in content.rows:
        sheet.append([int(row[0]), *row[1:]])
    sheet.freeze_panes = sheet.cell(row=head + 1, column=1)
    for letter, share in zip("ABCDEFGHIJK", SHARES, strict=True):
        sheet.column_dimensions[letter].width = max(6, share * 2.2)
    wrap_top = Alignment(wrap_text=True, vertical="top")
    for row in sheet.iter_rows(min_row=head + 1):
        for cell in row:
            cell.alignment = wrap_top
    totals = book.create_sheet(_("Totals")[:31])
    totals.append([content.total_line])
    for heading, items in content.totals:
        totals.append([])
        totals.append([heading, content.count_label])
        for cell in totals[totals.max_row]:
            cell.font = bold
        for name, count in items:
            totals.append([name, count])
    totals.column_dimensions["A"].width = 48
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()

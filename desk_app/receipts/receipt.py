"""The receipt (tanda terima): ONE layout definition drawn on three papers, the 80 mm roll
(72 mm printable, as tall as its content), A5 and A4.

`ReceiptContent` is what the paper says, in words (made by services/printing.py from the
presenter); `Paper` is what differs between papers (sizes, where the QR code goes, signature
lines). `render()` lays the content out as a column of blocks, measures it (the roll's height),
then draws it. reportlab's invariant mode makes the same content give the same bytes.

How to add a line: add it to ReceiptContent.lines (label, value) where the content is made; the
layout draws every pair the same way on every paper.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from desk_app.receipts import fonts, qr
from desk_app.receipts.fonts import BOLD, REGULAR
from desk_app.receipts.text import fit_size, wrap

INK = (0.11, 0.15, 0.22)  # the text: near-black with a little blue
MUTED = (0.36, 0.40, 0.47)  # labels and small print
ACCENT = (0.05, 0.32, 0.52)  # rules and the number's frame
WASH = (0.93, 0.95, 0.97)  # the number's background
COPY_RED = (0.70, 0.12, 0.10)


@dataclass(frozen=True)
class Paper:
    key: str
    width: float
    height: float | None  # None: the roll, as tall as the content
    margin: float
    base: float  # body text size (points)
    number: float  # the tracking number's size
    qr: float  # the QR code's side
    label_share: float  # the label column's share of the width
    qr_beside: bool  # the QR code beside the number (else under it)
    signatures: bool


PAPERS = {
    "80mm": Paper("80mm", 80 * mm, None, 4 * mm, 7.6, 15, 30 * mm, 0.34, False, False),
    "a5": Paper("a5", A5[0], A5[1], 13 * mm, 8.6, 17, 27 * mm, 0.30, True, True),
    "a4": Paper("a4", A4[0], A4[1], 20 * mm, 10, 21, 33 * mm, 0.28, True, True),
}
LAYOUTS = tuple(PAPERS)


@dataclass(frozen=True)
class ReceiptContent:
    """Everything the receipt says, already in words (the desk's language)."""

    desk_name: str
    office: str
    contact: str
    title: str
    number_label: str
    tracking_no: str
    qr_text: str  # what the QR code holds (the tracking number)
    qr_caption: str
    lines: tuple[tuple[str, str], ...]  # (label, value)
    how_to_ask_title: str
    how_to_ask: str
    notice_title: str
    notice: str
    copy_mark: str = ""  # "SALINAN (cetak ulang ke-2)" on a reprint
    copy_note: str = ""  # who reprinted it, when
    signatures: tuple[tuple[str, str], ...] = field(default=())  # (role, name)
    document_title: str = ""


class _Flow:
    """Blocks laid out top to bottom: `measure` mode only adds heights, `draw` mode draws."""

    def __init__(self, canvas: Canvas | None, paper: Paper, top: float) -> None:
        self.c = canvas
        self.p = paper
        self.x = paper.margin
        self.w = paper.width - 2 * paper.margin
        self.y = top

    def gap(self, points: float) -> None:
        self.y -= points

    def text(
        self,
        text: str,
        size: float,
        *,
        font: str = REGULAR,
        color=INK,
        align: str = "left",
        lead: float = 1.28,
        x: float | None = None,
        room: float | None = None,
    ) -> None:
        if not text:
            return
        x = self.x if x is None else x
        room = self.w if room is None else room
        for line in wrap(text, font, size, room):
            self.y -= size * lead
            if self.c is None:
                continue
            self.c.setFont(font, size)
            self.c.setFillColorRGB(*color)
            if align == "center":
                self.c.drawCentredString(x + room / 2, self.y + size * 0.28, line)
            else:
                self.c.drawString(x, self.y + size * 0.28, line)

    def rule(self, color=ACCENT, weight: float = 0.8, before: float = 3, after: float = 5) -> None:
        self.y -= before
        if self.c is not None:
            self.c.setStrokeColorRGB(*color)
            self.c.setLineWidth(weight)
            self.c.line(self.x, self.y, self.x + self.w, self.y)
        self.y -= after

    def pairs(self, lines, size: float) -> None:
        """Label and value side by side, each wrapped in its column; a hairline between."""
        label_w = self.w * self.p.label_share
        value_x = self.x + label_w + 2 * mm
        value_w = self.w - label_w - 2 * mm
        lead = size * 1.3
        for i, (label, value) in enumerate(lines):
            labels = wrap(label, REGULAR, size * 0.92, label_w)
            values = wrap(value, REGULAR, size, value_w)
            rows = max(len(labels), len(values))
            top = self.y - 1.6
            if self.c is not None:
                self.c.setFont(REGULAR, size * 0.92)
                self.c.setFillColorRGB(*MUTED)
                for n, line in enumerate(labels):
                    self.c.drawString(self.x, top - (n + 1) * lead + size * 0.3, line)
                self.c.setFont(REGULAR, size)
                self.c.setFillColorRGB(*INK)
                for n, line in enumerate(values):
                    self.c.drawString(value_x, top - (n + 1) * lead + size * 0.3, line)
            self.y = top - rows * lead - 1.6
            if self.c is not None and i < len(lines) - 1:
                self.c.setStrokeColorRGB(0.85, 0.87, 0.9)
                self.c.setLineWidth(0.4)
                self.c.line(self.x, self.y, self.x + self.w, self.y)


def _number_block(f: _Flow, content: ReceiptContent, with_qr: bool) -> None:
    """The tracking number large in a framed box, and its QR code beside it or under it."""
    p, c = f.p, f.c
    beside = p.qr_beside and with_qr
    box_w = f.w - (p.qr + 4 * mm if beside else 0)
    pad = 3 * mm
    size = fit_size(content.tracking_no, BOLD, p.number, box_w - 2 * pad)
    label_size = p.base * 0.9
    inner = label_size * 1.4 + size * 1.25
    box_h = max(inner + 2 * pad, p.qr if beside else 0)
    top = f.y
    if c is not None:
        c.setFillColorRGB(*WASH)
        c.setStrokeColorRGB(*ACCENT)
        c.setLineWidth(1)
        c.roundRect(f.x, top - box_h, box_w, box_h, 2.5 * mm, stroke=1, fill=1)
        text_top = top - (box_h - inner) / 2
        c.setFillColorRGB(*MUTED)
        c.setFont(REGULAR, label_size)
        c.drawCentredString(f.x + box_w / 2, text_top - label_size, content.number_label)
        c.setFillColorRGB(*INK)
        c.setFont(BOLD, size)
        c.drawCentredString(
            f.x + box_w / 2, text_top - label_size * 1.4 - size * 0.95, content.tracking_no
        )
        if beside:
            qr.draw(c, content.qr_text, f.x + f.w - p.qr, top - (box_h - p.qr) / 2, p.qr)
    f.y = top - box_h
    if beside:
        f.gap(1.5)
        f.text(
            content.qr_caption,
            p.base * 0.75,
            color=MUTED,
            align="center",
            x=f.x + f.w - p.qr - 3 * mm,
            room=p.qr + 6 * mm,
        )
    elif with_qr:
        f.gap(3 * mm)
        if c is not None:
            qr.draw(c, content.qr_text, f.x + (f.w - p.qr) / 2, f.y, p.qr)
        f.gap(p.qr + 3.5)
        f.text(content.qr_caption, p.base * 0.8, color=MUTED, align="center")


def _signatures(f: _Flow, content: ReceiptContent) -> None:
    p, c = f.p, f.c
    count = len(content.signatures)
    if not count:
        return
    column = (f.w - (count - 1) * 10 * mm) / count
    size = p.base
    f.gap(size * 1.5)
    top = f.y
    lowest = top
    for i, (role, name) in enumerate(content.signatures):
        sub = _Flow(c, p, top)
        sub.x = f.x + i * (column + 10 * mm)
        sub.w = column
        sub.text(role, size, color=MUTED, align="center", x=sub.x, room=column)
        sub.gap(16 * mm)
        if c is not None:
            c.setStrokeColorRGB(*INK)
            c.setLineWidth(0.6)
            c.line(sub.x + 4 * mm, sub.y, sub.x + column - 4 * mm, sub.y)
        sub.gap(1)
        sub.text(name, size, align="center", x=sub.x, room=column)
        lowest = min(lowest, sub.y)
    f.y = lowest


def _lay_out(
    canvas: Canvas | None, paper: Paper, content: ReceiptContent, top: float, with_qr: bool
) -> float:
    """Draw (or with no canvas only measure) the receipt from `top`; return where it ended."""
    f = _Flow(canvas, paper, top)
    b = paper.base
    centre = "center" if paper.key == "80mm" else "left"
    f.text(content.desk_name, b * 1.35, font=BOLD, align=centre)
    f.text(content.office, b, color=MUTED, align=centre)
    f.text(content.contact, b * 0.9, color=MUTED, align=centre)
    f.rule(weight=1.4, before=4)
    if content.copy_mark:
        _copy_banner(f, content.copy_mark)
    f.text(content.title, b * 1.45, font=BOLD, align="center")
    f.gap(b * 0.8)
    _number_block(f, content, with_qr)
    f.gap(b * 1.2)
    f.pairs(content.lines, b)
    f.rule(color=(0.80, 0.83, 0.87), weight=0.6, before=4, after=4)
    f.text(content.how_to_ask_title, b, font=BOLD)
    f.text(content.how_to_ask, b * 0.95)
    f.gap(b * 0.6)
    f.text(content.notice_title, b * 0.85, font=BOLD, color=MUTED)
    f.text(content.notice, b * 0.8, color=MUTED)
    if paper.signatures:
        _signatures(f, content)
    if content.copy_note:
        f.gap(b)
        f.text(content.copy_note, b * 0.8, color=COPY_RED, align=centre)
    return f.y


def _copy_banner(f: _Flow, text: str) -> None:
    size = f.p.base * 1.2
    height = size * 1.9
    if f.c is not None:
        f.c.setStrokeColorRGB(*COPY_RED)
        f.c.setLineWidth(1.2)
        f.c.rect(f.x, f.y - height, f.w, height, stroke=1, fill=0)
    inner = _Flow(f.c, f.p, f.y - (height - size * 1.28) / 2)
    inner.text(
        text, fit_size(text, BOLD, size, f.w - 4 * mm), font=BOLD, color=COPY_RED, align="center"
    )
    f.y -= height + 4


def render(content: ReceiptContent, layout: str = "a5", *, with_qr: bool = True) -> bytes:
    """The receipt as PDF bytes on `layout` ("80mm", "a5" or "a4"). The same content gives
    the same bytes (invariant mode: no creation time, a fixed document id)."""
    fonts.register()
    paper = PAPERS[layout]
    end_margin = paper.margin if paper.height is not None else 6 * mm
    if paper.height is None:
        used = -_lay_out(None, paper, content, 0.0, with_qr)
        height = used + paper.margin + end_margin
    else:
        height = paper.height
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=(paper.width, height), invariant=1, pageCompression=1)
    canvas.setTitle(content.document_title or content.title)
    canvas.setCreator("Meja Aduan")
    canvas.setAuthor(content.desk_name)
    _lay_out(canvas, paper, content, height - paper.margin, with_qr)
    canvas.showPage()
    canvas.save()
    return buf.getvalue()

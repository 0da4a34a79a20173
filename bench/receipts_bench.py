"""Section e) of bench/run.py: receipts and the register (desk_app/receipts).

- A receipt with its QR code against the same receipt text-only, rendered in the same run
  (goal: at most 2.5x; the QR is drawn as segno's modules merged into row runs, as rectangles),
  on A5 and on the 80 mm roll (measured twice: laid out, then drawn).
- The register of 1,000 complaints through printing.daily_register (query, identity rule,
  presenter words, A4 landscape PDF with page numbers and totals; and the workbook). Goal: under
  2 s for the PDF.
"""

from __future__ import annotations

import datetime as dt

from benchlib import Context, Figure, measure, measure_pair, open_acting, sample_form

QR_GOAL = 2.5
REGISTER_GOAL_S = 2.0
REGISTER_ROWS = 1000
WHEN = dt.datetime(2026, 3, 24, 2, 5)


def _content(desk, number):
    from desk_app import presenter
    from desk_app.services import lookup, printing

    detail = lookup.get_complaint(desk, number)
    view = presenter.present(desk, detail, officer_name="Ani Rahmawati")
    return printing.receipt_content(desk, view, printing._desk_words(desk))


def bench_receipts(ctx: Context) -> list[Figure]:
    from desk_app.receipts import receipt
    from desk_app.services import intake, printing

    desk = open_acting(ctx.scratch / "receipts")
    figures: list[Figure] = []
    try:
        number = intake.record_complaint(desk, sample_form(), now=WHEN).tracking_no
        content = _content(desk, number)
        receipt.render(content, "a5")  # fonts registered, caches warm
        for layout in ("a5", "80mm"):
            qr, text = measure_pair(
                lambda layout=layout: receipt.render(content, layout),
                lambda layout=layout: receipt.render(content, layout, with_qr=False),
                repeat=40,
                warmup=3,
            )
            figures.append(
                Figure(
                    "r",
                    f"receipt {layout} with QR",
                    qr,
                    baseline=text,
                    baseline_name="text only",
                    goal=f"<= {QR_GOAL}x",
                    met=qr / text <= QR_GOAL,
                )
            )
        forms = [
            (i, sample_form(subject=f"Keluhan nomor {i} tentang layanan"))
            for i in range(1, REGISTER_ROWS + 1)
        ]
        intake.record_many(desk, forms, now=WHEN)
        day = WHEN.date()
        pdf_ms = measure(lambda: printing.daily_register(desk, day), repeat=3, warmup=1)
        xlsx_ms = measure(
            lambda: printing.daily_register(desk, day, day, "xlsx"), repeat=3, warmup=1
        )
        pages = printing.daily_register(desk, day).data.count(b"/Type /Page\n")
        figures.append(
            Figure(
                "r",
                f"register of {REGISTER_ROWS + 1:,} complaints, PDF",
                pdf_ms / 1000,
                unit="s",
                goal=f"< {REGISTER_GOAL_S:.0f} s",
                met=pdf_ms / 1000 < REGISTER_GOAL_S,
            )
        )
        figures.append(Figure("r", "  the same as a workbook (.xlsx)", xlsx_ms / 1000, unit="s"))
        if pages:
            figures.append(Figure("r", "  pages of that PDF", float(pages), unit="pages"))
    finally:
        desk.close()
    return figures

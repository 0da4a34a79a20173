"""Paper the desk hands out and files: the receipt (tanda terima) in three layouts and the daily
register (buku register harian), rendered with reportlab from the presenter's words
(desk_app/presenter.py). Plain functions over plain values: the permission checks and the
record of each print are in services/printing.py."""

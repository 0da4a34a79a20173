"""The application's look: one style sheet, calm and readable for a long day at the desk."""

STYLE_SHEET = """
QWidget { font-size: 10.5pt; }
QGroupBox { font-weight: bold; border: 1px solid #c9d1d9; border-radius: 6px;
            margin-top: 12px; padding: 10px 8px 6px 8px; }
QGroupBox::title { subcontrol-origin: margin; left: 10px; padding: 0 4px; color: #1f4e79; }
QLabel[role="error"] { color: #b3261e; }
QLabel[role="hint"] { color: #666666; font-size: 9pt; }
QLineEdit[invalid="true"], QPlainTextEdit[invalid="true"], QComboBox[invalid="true"] {
    border: 2px solid #b3261e; border-radius: 3px; }
QLabel#tracking_number { font-size: 40pt; font-weight: bold; color: #1f4e79;
    font-family: "DejaVu Sans Mono", "Consolas", monospace; padding: 12px; }
QLabel#saved_details { font-size: 12pt; }
QPushButton#save, QPushButton#new_complaint { font-weight: bold; padding: 6px 18px; }
QTabBar::tab { padding: 6px 18px; }
"""

"""Printing the desk's paper from the GUI: the preview, the system print dialog, the printer
remembered per layout, and the painting itself on a worker (the PDF's pages rasterised by
PDFium, so the paper is the same PDF the CLI writes)."""

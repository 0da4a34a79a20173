"""Plain-Python rules: the complaint, validation, numbering and the working-day calendar."""

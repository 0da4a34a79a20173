"""The complaint list: paged model, search and filters, detail view."""

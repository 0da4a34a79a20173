"""Use cases, one per function: validate, do the work in one transaction, return a result."""

"""Screens for the people who look after the desk: the audit trail."""

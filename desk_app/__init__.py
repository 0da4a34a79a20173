"""Meja Aduan core: complaints, storage and services. Never imports Qt."""

__version__ = "0.1.0"

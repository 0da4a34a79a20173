"""The protocol's codes as the hub produces them (docs/sync-protocol.md §3, §4, §9).

Plain constants, no framework: tests/sync/test_protocol_doc.py checks the doc's error table
against ERROR_CODES, and the desk's client may read FIELD_CODES to word its own messages.
"""

from __future__ import annotations

# status -> code of every error answer the hub can give (application/problem+json).
ERROR_CODES: dict[str, int] = {
    "bad_request": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "idempotency_key_reused": 409,
    "too_large": 413,
    "unsupported_encoding": 415,
    "invalid": 422,
    "hash_mismatch": 422,
    "rate_limited": 429,
    "server_error": 500,
    "unavailable": 503,
}

# The `code` of an item's field error (a batch result's `errors`).
FIELD_CODES = (
    "required",  # absent, null or empty where a value is needed
    "wrong_type",  # a number where text belongs, and the like
    "too_long",
    "unknown_code",  # report type, channel, category, agency, region, district, village
    "invalid_nik",
    "invalid_phone",  # not a valid number in E.164 (+62812...)
    "invalid_email",
    "invalid_date",  # not YYYY-MM-DD
    "invalid_time",  # not RFC 3339 with a zone
    "mismatch",  # complaint.id is not the item's complaint_id
    "attachment_missing",  # a named file the hub lacks: PUT it first
    "not_erasable",  # an erasure naming a field that is not part of the identity
    "unknown_complaint",  # a correction or erasure of a complaint the hub does not hold
    "differs",  # conflict: held with other content
)

RESULTS = ("accepted", "duplicate", "conflict", "rejected")

STATUSES = (
    "verified",
    "postponed",
    "not_authority",
    "archived",
    "disposed",
    "followed_up",
    "completed",
    "reopened",
)

IDENTITY_FIELDS = (
    "reporter_name",
    "reporter_nik",
    "reporter_phone",
    "reporter_email",
    "reporter_address",
)

REFERENCE_SETS = ("categories", "agencies", "regions")
MAX_ITEMS = 200
MAX_BODY = 16 * 1024 * 1024  # after decompression
MAX_ATTACHMENT = 50 * 1024 * 1024
TOKEN_SECONDS = 900
MAX_STATUS_PAGE = 500

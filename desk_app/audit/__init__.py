"""The audit trail's machinery, one module per job; the use cases the GUI and CLI call (with
their permission checks) are in desk_app/services/audit.py.

seal.py      the keyed hash that seals each event to the one before (never changes: pinned)
keyfile.py   the key file outside the database and its fingerprint inside it
head.py      the anchor: the newest (seq, hash) this data folder committed, kept outside
chain.py     appending an event inside the caller's write transaction
verify.py    walking the chain, against a mark taken before the command's own sign-in
replay.py    complaints and users as the trail says they became, against the tables
recovery.py  the key's recovery file (export once, import on a new PC)
query.py     listing and reading events (no values in lists, only field names)
export.py    writing listed events to CSV or JSON Lines
"""

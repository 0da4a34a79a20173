"""The training hub: a real HTTP server that speaks the provincial sync protocol
(docs/sync-protocol.md) with its own database, for tests, demos and training of IT officers.

Only this package may import FastAPI, Starlette, uvicorn or pydantic (the `hub` extra); the
desk and its bundle never need them. `commands` is imported by the desk's CLI and imports them
only inside the hub's commands.
"""

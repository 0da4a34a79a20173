"""The desk's sync with the provincial system (docs/sync-protocol.md): protocol, transport,
client, outbox, credentials. Qt-free; services/sync.py is the permission-checked door."""

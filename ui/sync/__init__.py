"""The IT officer's sync screen (sending complaints to the provincial system), its status-bar
note shown to every role, and the dialog that asks for the secret where no keyring keeps it."""

"""Use cases that join the vault, the packs and the core: what the GUI and the CLI call."""

"""Packs between people: export, the outbox, import and the conflicts an import leaves."""

"""The children: the list, a child's page and its tabs (details, notes, chronology, missing)."""

"""Qt-free domain: entities, screening and pathway engines, intelligence checks, services."""

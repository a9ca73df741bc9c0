"""Helpers shared by the journey tests (and any test that wants the real command line)."""

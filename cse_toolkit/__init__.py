"""CSE Toolkit: offline, encrypted desktop toolkit for responding to CSE concerns."""

__version__ = "0.1.0"
APP_NAME = "CSE Toolkit"
APP_ID = "cse-toolkit"

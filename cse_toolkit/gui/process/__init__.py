"""The case's process: the danger check, the screening, its outcome and the pathway's steps."""

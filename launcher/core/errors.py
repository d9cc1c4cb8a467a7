"""Errors that carry a sentence a person can act on."""

from __future__ import annotations


class LelingError(Exception):
    """A failure explained in one sentence that names the file, field or value."""


class UsageError(LelingError):
    """Bad input from the person at the command line (exit code 2)."""

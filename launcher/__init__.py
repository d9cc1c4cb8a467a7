"""Leling (乐龄): a fullscreen big-tile home screen for older people."""

__version__ = "0.1.0"

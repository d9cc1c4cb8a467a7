"""Leling's Qt layer: the shell window, the tile grid, the senior widget kit, themes."""

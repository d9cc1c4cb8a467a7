"""One-tap taxi (the ``taxi`` tile)."""

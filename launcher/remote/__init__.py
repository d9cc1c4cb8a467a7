"""Remote help: the HTTP server inside the launcher, pairing, and the relative's web app."""

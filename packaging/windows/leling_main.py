"""The frozen program's entry point: the same command line as the ``leling`` command."""

from launcher.cli import main

if __name__ == "__main__":
    raise SystemExit(main())

"""``python -m emgkit``: the same command line as the ``emgkit`` command (:func:`emgkit.cli.main`)."""

import sys

from emgkit.cli import main

if __name__ == "__main__":
    sys.exit(main())

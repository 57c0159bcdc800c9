#!/usr/bin/env python3
"""Build patient-education brochures: `make_brochures.py --help` lists the commands."""

import sys

from brochurekit.cli import main

if __name__ == "__main__":
    sys.exit(main())

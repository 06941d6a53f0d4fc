"""``python -m generators``: bring the course's generators up to date (see engine/cli.py)."""

import sys

from engine.cli import main

sys.exit(main())

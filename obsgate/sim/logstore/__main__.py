"""Entry point: `python -m obsgate.sim.logstore` (see cli.py)."""
import sys

from .cli import main

sys.exit(main())

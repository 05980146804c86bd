"""Runs the gateway: `python -m obsgate.sim.gateway`."""
import sys

from . import main

sys.exit(main())

"""obsgate: observability-as-code generator and CI gate."""
from .model import *  # noqa: F401,F403  (the public vocabulary)
from .model import __all__

__version__ = "0.1.0"

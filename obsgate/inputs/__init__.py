"""Untrusted files read safely: regular files only, bounded in size and time, YAML and JSON parsed
with their limits (model/limits.py) checked before anything walks or expands them."""
from .errors import InputError

__all__ = ["InputError"]

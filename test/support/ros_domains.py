"""DDS domain ids for tests, so concurrent tests and test runs do not hear each other."""

from __future__ import annotations

import itertools
import os

_domains = itertools.count()


def next_domain() -> int:
    """A DDS domain id unlikely to be shared with another test or test run (1..100)."""
    return 1 + (os.getpid() * 7 + next(_domains)) % 100

"""Hypothesis profiles: hypothesis' own "default" (what `make test` and CI run) and "fast", which
`make test-fast` picks (``--hypothesis-profile=fast``) for the edit-run loop: a quarter of the
examples. conftest.py imports this module so that "fast" exists before the plugin loads it; tests
that set their own count take it from :func:`examples`, so that it scales too."""

from hypothesis import settings

settings.register_profile("fast", max_examples=25)


def examples(n: int) -> int:
    """``n`` under the default profile (100 examples), scaled like ``max_examples`` under
    another profile, and at least 4."""
    return max(4, round(n * settings().max_examples / 100))

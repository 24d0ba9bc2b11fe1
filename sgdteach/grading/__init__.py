"""Releasing exercises from solutions and grading submissions (see :mod:`sgdteach.grading`)."""

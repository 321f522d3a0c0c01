"""Shared plumbing: paths, configuration, the SQLite store, git and subprocess helpers, clock.

Submodules are imported directly (`from buildrunner.core.store import Store`) so that a
command only pays for what it uses.
"""

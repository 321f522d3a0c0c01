"""Test doubles shipped with `br`: they are used by its own test suite and by the offline demo.

They are real implementations of the seams production code takes (clock, HTTP server), not
mocks: `FakeClock` advances only when told to, `fake_anthropic` is a real HTTP server.
"""

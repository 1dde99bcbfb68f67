"""End-to-end journeys in a real browser (a package, so its conftest does not shadow tests/conftest.py)."""

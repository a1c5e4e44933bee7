"""Maintenance scripts of the template (run by its Makefile), importable by its tests."""

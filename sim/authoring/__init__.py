"""Tools for scenario authors: lint and explain."""

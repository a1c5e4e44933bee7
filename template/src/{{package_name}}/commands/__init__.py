"""One module per command, each a thin main() over the library code of its subject (model/, prediction/,
etl/, reporting/); cli.py exposes them all, lazily imported. Library code never imports commands."""

"""One module per command, each with a main(); cli.py exposes them all, lazily imported."""

"""Allow `python -m <package>` as well as the console script."""

from .cli import main

main()

"""`python -m reader` runs the tome CLI."""

from reader.cli.main import main

main()

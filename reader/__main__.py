"""`python -m reader` runs the tome CLI."""

from reader.cli import main

main()

"""The ``metsor`` command line (Typer): one module per command group."""

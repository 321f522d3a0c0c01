"""The `br` command line: thin Click commands over the library, one module per group."""

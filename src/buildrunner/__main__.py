"""`python -m buildrunner` runs the `br` command line."""

from buildrunner.cli.main import run

if __name__ == "__main__":
    run()

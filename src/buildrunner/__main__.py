"""`python -m buildrunner` runs the `br` command line."""

from buildrunner.cli.launcher import run

if __name__ == "__main__":
    run()

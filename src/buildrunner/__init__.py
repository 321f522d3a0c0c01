"""BuildRunner (`br`): keep AI-assisted development safe, cheap, observable and fast.

The package root stays tiny on purpose: `br` runs in pre-commit hooks, so importing
`buildrunner` must not pull in any subsystem. Import the subsystems you need
(`buildrunner.security`, `buildrunner.routing`, `buildrunner.telemetry`,
`buildrunner.parallel`) or the shared plumbing in `buildrunner.core`.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]

"""Imports a dependency that is not installed, as a plugin with a missing requirement would."""

import ocbench_dependency_that_does_not_exist  # noqa: F401

"""``python -m oneclass_bench.cli`` runs the ``ocbench`` command."""

from oneclass_bench.cli.app import main

main()

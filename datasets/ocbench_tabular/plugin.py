"""Entry point of the ocbench_tabular plugin: the tabular suites (DESIGN §5.3)."""

from ocbench_tabular import adbench_synthetic, sklearn_real, user_files
from oneclass_bench.base import Dataset
from oneclass_bench.hookspecs import hookimpl


@hookimpl
def register_datasets() -> list[type[Dataset]]:
    return [*sklearn_real.DATASETS, *adbench_synthetic.DATASETS,
            user_files.ODDS, user_files.ADBench]

"""oneclass-bench: a plugin-based benchmarking harness for one-class classification.

Score convention, stated once for the whole project: every detector's ``score`` returns
one float per sample and **higher means more anomalous**.
"""

from oneclass_bench.base import (
    Dataset,
    Detector,
    LabelledSet,
    Split,
)

__version__ = "0.1.0"

__all__ = ["Dataset", "Detector", "LabelledSet", "Split", "__version__"]

"""A plugin author's own tests: the oneclass-bench conformance kit on both plugins."""

from ocbench_example.plugin import Blobs, Mahalanobis

from oneclass_bench.testing import check_dataset, check_detector


def test_detector_conforms():
    check_detector(Mahalanobis)


def test_dataset_conforms():
    check_dataset(Blobs)


def test_registered_through_the_entry_point(ocbench_registry):
    assert ocbench_registry.detectors["example-mahalanobis"] is Mahalanobis
    assert ocbench_registry.datasets["example-blobs"] is Blobs

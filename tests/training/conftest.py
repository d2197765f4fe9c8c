"""The tiny random-weight models of tests/pipeline, shared (built once per machine, see there)."""

from tests.pipeline.conftest import tiny_models  # noqa: F401  (the session fixture)

"""Fixtures for the integration tests beyond the shared ones: AWS on a local moto server."""

from tests.moto_s3 import s3  # noqa: F401
from tests.moto_server import moto, moto_endpoint  # noqa: F401

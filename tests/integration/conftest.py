"""Fixtures for the integration tests beyond the shared ones: S3 on a local moto server."""

from tests.moto_s3 import moto_endpoint, s3  # noqa: F401

"""Fixtures for the integration tests beyond the shared ones: AWS on a local moto server, and
a local server answering with AWS's errors."""

from tests.aws_error_server import aws_errors  # noqa: F401
from tests.moto_s3 import s3  # noqa: F401
from tests.moto_server import moto, moto_endpoint  # noqa: F401

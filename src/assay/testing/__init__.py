"""Fakes, factories and conformance kits shared by users and assay's own tests.

Library code never imports this package.
"""

from assay.testing._factories import synthetic_records, synthetic_suite

__all__ = ["synthetic_records", "synthetic_suite"]

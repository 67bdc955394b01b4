"""Real data sets that ship with assay and work offline."""

from assay.datasets._adult import ADULT_COLUMNS, ADULT_FEATURES, load_adult

__all__ = ["ADULT_COLUMNS", "ADULT_FEATURES", "load_adult"]

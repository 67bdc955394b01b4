"""Human-rated sentiment sentences of Hutto & Gilbert (ICWSM 2014), as shipped in ``vaderSentiment``.

23,703 texts in four domains, each rated by at least 20 people from -4 (extremely negative)
to +4 (extremely positive); the files hold the mean rating. Source: the
``additional_resources/hutto_ICWSM_2014.tar.gz`` archive in the source distribution of
``vaderSentiment==3.3.2`` (MIT licence); the four ``*_GroundTruth.txt`` files are copied
unchanged, gzip-compressed. See ``data/ATTRIBUTION.md``.

The binary label is ``positive`` when the mean rating is above 0 and ``negative`` when it is
below 0. The 383 texts rated exactly 0 (4 tweets, 37 movie-review, 98 product-review and 244
editorial sentences) belong to neither class and are dropped, leaving 23,320.
"""

from __future__ import annotations

import gzip
from importlib import resources
from typing import TYPE_CHECKING, Any

from assay._util import check_instance, check_int, check_number
from assay.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

    from assay.data import SuiteData

__all__ = [
    "SENTIMENT_DOMAINS",
    "length_band",
    "load_sentiment_corpus",
    "sentiment_split",
    "sentiment_suite",
]

SENTIMENT_DOMAINS = {
    "tweets": "sentiment_tweets.txt.gz",
    "movie_reviews": "sentiment_movie_reviews.txt.gz",
    "product_reviews": "sentiment_product_reviews.txt.gz",
    "editorials": "sentiment_editorials.txt.gz",
}
"""Domain name -> shipped file (tab separated: id, mean rating, text)."""

# ids of these domains are "<review or article>_<sentence>": sentences of one document are
# not independent, so the document is the cluster (and is never split across train and test)
_CLUSTERED = ("product_reviews", "editorials")


def _read_domain(domain: str) -> list[dict[str, Any]]:
    name = SENTIMENT_DOMAINS[domain]
    raw = resources.files("assay.datasets").joinpath("data", name).read_bytes()
    rows: list[dict[str, Any]] = []
    # the files end their lines with CRLF; split on LF only, as texts may hold other breaks
    for line_no, line in enumerate(gzip.decompress(raw).decode("utf-8").split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line:
            continue
        fields = line.split("\t", 2)
        if len(fields) != 3:
            raise DataError(
                "a line is id, mean rating and text, tab separated",
                file=name,
                line=line_no,
                expected="3 tab-separated fields",
                found=f"{len(fields)} field(s)",
            )
        raw_id, rating, text = fields
        try:
            value = float(rating)
        except ValueError:
            raise DataError(
                "the mean rating is a number",
                file=name,
                line=line_no,
                column="rating",
                expected="a number in [-4, 4]",
                found=repr(rating),
            ) from None
        cluster = f"{domain}-{raw_id.split('_')[0]}" if domain in _CLUSTERED else None
        rows.append(
            {
                "id": f"{domain}-{raw_id}",
                "domain": domain,
                "text": text,
                "rating": value,
                "cluster": cluster,
            }
        )
    return rows


def load_sentiment_corpus(*, keep_neutral: bool = False) -> pd.DataFrame:
    """All rated texts, one row each: ``id``, ``domain``, ``cluster``, ``text``, ``rating``, ``label``.

    ``id`` is ``<domain>-<id in the file>``; ``cluster`` names the product review or editorial
    a sentence comes from (missing for tweets and movie-review snippets, whose source
    documents the files do not give). ``label`` is ``positive`` for a mean rating above 0 and
    ``negative`` below 0. Texts rated exactly 0 (383 of 23,703) are dropped, or kept with
    label ``neutral`` when ``keep_neutral`` is true; ``frame.attrs["neutral_dropped"]`` says
    how many were dropped.
    """
    import pandas as pd

    check_instance(keep_neutral, "keep_neutral", "load_sentiment_corpus", bool, "True or False")

    rows = [row for domain in SENTIMENT_DOMAINS for row in _read_domain(domain)]
    frame = pd.DataFrame.from_records(rows, columns=["id", "domain", "cluster", "text", "rating"])
    frame["label"] = [
        "positive" if r > 0 else "negative" if r < 0 else "neutral" for r in frame["rating"]
    ]
    neutral = frame["label"] == "neutral"
    dropped = 0 if keep_neutral else int(neutral.sum())
    if not keep_neutral:
        frame = frame[~neutral].reset_index(drop=True)
    frame.attrs["neutral_dropped"] = dropped
    return frame


def sentiment_split(
    frame: pd.DataFrame, *, test_fraction: float = 0.2, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A seeded train/test split, stratified by domain and label, that keeps documents whole.

    The unit is the cluster (a product review or an editorial; otherwise the text itself).
    Within each domain, units are grouped by their majority label and a seeded random
    ``test_fraction`` of each group (rounded) goes to the test split. For unclustered
    domains the stratification is exact up to rounding; for clustered ones it is by document.
    Returns ``(train, test)`` in corpus order.
    """
    import numpy as np
    import pandas as pd

    function = "sentiment_split"
    check_instance(frame, "frame", function, pd.DataFrame, "a pandas DataFrame")
    test_fraction = check_number(
        test_fraction, "test_fraction", function, low=0, high=1, low_open=True, high_open=True
    )
    rng = np.random.default_rng(check_int(seed, "seed", function, minimum=0))
    unit = frame["cluster"].where(frame["cluster"].notna(), frame["id"])
    positive = (frame["label"] == "positive").astype(float)
    majority = positive.groupby(unit, sort=False).mean().ge(0.5)
    domain_of = frame.groupby(unit, sort=False)["domain"].first()
    test_units: set[str] = set()
    for domain in SENTIMENT_DOMAINS:
        for is_positive in (True, False):
            units = sorted(majority.index[(domain_of == domain) & (majority == is_positive)])
            k = round(test_fraction * len(units))
            test_units.update(units[i] for i in rng.permutation(len(units))[:k])
    in_test = unit.isin(test_units)
    return frame[~in_test].reset_index(drop=True), frame[in_test].reset_index(drop=True)


def length_band(text: str) -> str:
    """``short`` (up to 10 words), ``medium`` (11-25) or ``long`` (over 25), by whitespace words."""
    words = len(check_instance(text, "text", "length_band", str, "a str").split())
    return "short" if words <= 10 else "medium" if words <= 25 else "long"


def sentiment_suite(
    test: pd.DataFrame | None = None,
    *,
    name: str = "sentiment",
    version: str = "icwsm2014-test",
) -> SuiteData:
    """The sentiment test split as a suite: accuracy of the predicted label, by domain and length.

    ``test`` defaults to the test split of :func:`sentiment_split` (seed 0, 20%); pass a
    subsample to build a smaller suite. Inputs are the texts; references the labels.
    """
    import pandas as pd

    from assay.data import make_suite

    function = "sentiment_suite"
    check_instance(test, "test", function, (pd.DataFrame, type(None)), "a DataFrame or None")
    check_instance(name, "name", function, str, "a str")
    check_instance(version, "version", function, str, "a str")
    if test is None:
        test = sentiment_split(load_sentiment_corpus())[1]
    examples = [
        {
            "example_id": row.id,
            "cluster": row.cluster if isinstance(row.cluster, str) else None,
            "slices": {"domain": row.domain, "length": length_band(str(row.text))},
            "input": row.text,
            "reference": row.label,
        }
        for row in test.itertuples(index=False)
    ]
    return make_suite(
        name,
        examples,
        version=version,
        description="Is the sentence positive or negative? Mean of 20+ human ratings, ties at 0 dropped.",
        metrics=[
            {
                "name": "accuracy",
                "goal": "higher",
                "scorer": "exact_match",
                "description": "predicted label equals the sign of the mean human rating",
            }
        ],
        slices=[
            {
                "name": "domain",
                "description": "tweets, movie_reviews, product_reviews, editorials",
            },
            {"name": "length", "description": "short (<= 10 words), medium (11-25), long (> 25)"},
        ],
        catalog={
            "purpose": "Worked example: ship a new sentiment classifier only if it is not worse overall or on any domain.",
            "coverage": "English tweets, movie-review, product-review and newspaper-editorial sentences rated in 2013.",
            "known_limits": [
                "texts rated exactly 0 by the raters are dropped (383 of 23,703)",
                "product-review and editorial sentences are clustered by document; tweets and movie snippets are treated as independent",
                "200 of the tweets are contrived to test grammar rules of VADER, the baseline",
            ],
            "owner": "assay maintainers",
            "source": "Hutto & Gilbert (ICWSM 2014), via vaderSentiment 3.3.2 (MIT)",
        },
    )

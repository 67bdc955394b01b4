"""calibrate_judge: against independent references, by simulation, and by its properties."""

from __future__ import annotations

import math
import statistics
from statistics import NormalDist

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from assay.errors import DataError, ParameterError
from assay.metrics import JudgeCalibration, calibrate_judge
from assay.stats import binary_mean_interval

Z975 = NormalDist().inv_cdf(0.975)


def biased_judge(rng: np.random.Generator, n: int, p: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """Human 0/1 labels and a judge that says 1 for 80% of positives and 25% of negatives."""
    human = (rng.random(n) < p).astype(float)
    says_yes = np.where(human == 1.0, 0.8, 0.25)
    judge = (rng.random(n) < says_yes).astype(float)
    return judge, human


def hand_alpha(a: list[float], b: list[float], distance: str) -> float:
    """Krippendorff's alpha for two raters without missing values, from pairable values.

    alpha = 1 - D_o / D_e with D_o the mean within-unit distance and D_e the mean distance
    between any two of the 2N values (Krippendorff 2011, the coincidence-matrix form).
    """

    def delta(x: float, y: float) -> float:
        return float(x != y) if distance == "nominal" else (x - y) ** 2

    values = a + b
    n = len(values)
    d_o = statistics.fmean(delta(x, y) for x, y in zip(a, b, strict=True))
    pairs = sum(delta(values[i], values[j]) for i in range(n) for j in range(n) if i != j)
    d_e = pairs / (n * (n - 1))
    return 1.0 - d_o / d_e


# --- independent references -----------------------------------------------------------------


def test_kappa_matches_sklearn_on_binary_labels() -> None:
    judge, human = biased_judge(np.random.default_rng(1), 400)
    mask = np.zeros(400, dtype=bool)
    mask[:150] = True
    cal = calibrate_judge(
        human_scores=human, judge_scores=judge, labelled=mask, rng=0, resamples=200
    )
    expected = cohen_kappa_score(judge[:150], human[:150])
    assert cal.kappa.estimate.estimate == pytest.approx(expected, abs=1e-12)
    assert cal.kappa_input == "binary labels as they are"
    assert cal.krippendorff.metric == "nominal"


def test_kappa_of_scores_matches_sklearn_after_the_stated_threshold() -> None:
    rng = np.random.default_rng(2)
    human = rng.choice([0.0, 0.25, 0.5, 0.75, 1.0], size=300)
    judge = np.clip(human + rng.normal(0, 0.3, size=300), 0, 1)
    cal = calibrate_judge(
        human_scores=human, judge_scores=judge, labelled=120, rng=3, threshold=0.5, resamples=200
    )
    lab = cal.labelled
    expected = cohen_kappa_score(judge[lab] >= 0.5, human[lab] >= 0.5)
    assert cal.kappa.estimate.estimate == pytest.approx(expected, abs=1e-12)
    assert "0.5" in cal.kappa_input
    assert cal.krippendorff.metric == "interval"


@pytest.mark.parametrize("kind", ["binary", "scores"])
def test_krippendorff_alpha_matches_the_coincidence_form(kind: str) -> None:
    rng = np.random.default_rng(4)
    if kind == "binary":
        judge, human = biased_judge(rng, 60)
        distance = "nominal"
    else:
        human = rng.choice([0.0, 0.5, 1.0], size=60)
        judge = rng.random(60)
        distance = "interval"
    mask = np.arange(60) < 40
    cal = calibrate_judge(
        human_scores=human, judge_scores=judge, labelled=mask, rng=5, resamples=200
    )
    expected = hand_alpha(list(judge[:40]), list(human[:40]), distance)
    assert cal.krippendorff.estimate.estimate == pytest.approx(expected, abs=1e-12)


def test_estimates_match_closed_forms() -> None:
    rng = np.random.default_rng(6)
    judge = rng.random(500)
    human = np.clip(judge * 0.6 + rng.normal(0.1, 0.2, 500), 0, 1)
    mask = rng.random(500) < 0.25
    cal = calibrate_judge(
        human_scores=human, judge_scores=judge, labelled=mask, rng=7, resamples=200
    )
    y, f, fu = list(human[mask]), list(judge[mask]), list(judge[~mask])
    n, big_n = len(y), len(fu)
    # PPI++ (Angelopoulos, Duchi & Zrnic 2023) with the standard library
    raw = statistics.covariance(y, f) / ((1 + n / big_n) * statistics.variance(f + fu))
    lam = min(max(raw, 0.0), 1.0)
    rect = [a - lam * b for a, b in zip(y, f, strict=True)]
    theta = lam * statistics.fmean(fu) + statistics.fmean(rect)
    se = math.sqrt(lam**2 * statistics.variance(fu) / big_n + statistics.variance(rect) / n)
    assert cal.lam == pytest.approx(lam, rel=1e-10)
    assert cal.ppi.estimate == pytest.approx(theta, rel=1e-10)
    assert cal.ppi.low == pytest.approx(theta - Z975 * se, rel=1e-9)
    assert cal.ppi.high == pytest.approx(theta + Z975 * se, rel=1e-9)
    se_h = statistics.stdev(y) / math.sqrt(n)
    assert cal.human_only.estimate == pytest.approx(statistics.fmean(y), rel=1e-12)
    assert cal.human_only.high - cal.human_only.low == pytest.approx(2 * Z975 * se_h, rel=1e-9)
    assert cal.judge_only.estimate == pytest.approx(statistics.fmean(list(judge)), rel=1e-12)
    assert cal.effective_n == pytest.approx(n * (se_h / se) ** 2, rel=1e-9)
    assert cal.ess_gain == pytest.approx(cal.effective_n / n, rel=1e-12)
    assert (cal.n, cal.n_labelled, cal.n_unlabelled) == (500, n, big_n)


# --- simulation -----------------------------------------------------------------------------


def test_ppi_interval_covers_the_true_rate_with_a_biased_judge() -> None:
    """2,000 seeded data sets: the PPI++ interval covers p within 2 points of 95%."""
    p, reps = 0.3, 2000
    rng = np.random.default_rng(20240601)
    ppi_hits = naive_hits = 0
    widths = []
    for _ in range(reps):
        judge, human = biased_judge(rng, 1000, p)
        cal = calibrate_judge(
            human_scores=human, judge_scores=judge, labelled=250, rng=rng, resamples=20
        )
        ppi_hits += cal.ppi.contains(p)
        naive_hits += cal.judge_only.contains(p)
        widths.append(cal.ppi.width / cal.human_only.width)
    assert abs(ppi_hits / reps - 0.95) <= 0.02
    # the judge says yes to 0.8 p + 0.25 (1 - p) = 0.415: trusting it alone misses p
    assert naive_hits / reps < 0.05
    assert statistics.fmean(widths) < 1.0  # and the judge still narrows the interval


# --- properties -----------------------------------------------------------------------------


def test_a_perfect_judge_gives_an_interval_no_wider_than_human_labels_alone() -> None:
    rng = np.random.default_rng(8)
    human = (rng.random(400) < 0.4).astype(float)
    cal = calibrate_judge(
        human_scores=human, judge_scores=human.copy(), labelled=80, rng=9, resamples=200
    )
    assert cal.ppi.width <= cal.human_only.width
    assert cal.ess_gain > 1.0
    assert cal.kappa.estimate.estimate == pytest.approx(1.0)
    assert cal.krippendorff.estimate.estimate == pytest.approx(1.0)


def test_an_uninformative_judge_costs_almost_nothing() -> None:
    rng = np.random.default_rng(10)
    human = (rng.random(2000) < 0.5).astype(float)
    judge = (rng.random(2000) < 0.5).astype(float)
    cal = calibrate_judge(
        human_scores=human, judge_scores=judge, labelled=400, rng=11, resamples=200
    )
    assert cal.lam < 0.15
    assert cal.ppi.width <= cal.human_only.width * 1.05


def test_a_constant_judge_falls_back_to_the_human_labels() -> None:
    human = np.array([0.0, 1.0] * 50)
    cal = calibrate_judge(
        human_scores=human, judge_scores=np.ones(100), labelled=40, rng=12, resamples=200
    )
    assert cal.lam == 0.0
    assert cal.ppi.estimate == pytest.approx(cal.human_only.estimate)
    lab = cal.labelled
    expected = cohen_kappa_score(np.ones(lab.sum()), human[lab])  # a constant rater: kappa 0
    assert cal.kappa.estimate.estimate == pytest.approx(expected, abs=1e-12)


def test_the_labelled_subset_is_chosen_as_asked() -> None:
    judge, human = biased_judge(np.random.default_rng(13), 200)
    with_nan = human.copy()
    with_nan[::4] = np.nan
    by_nan = calibrate_judge(human_scores=with_nan, judge_scores=judge, rng=0, resamples=50)
    assert np.array_equal(by_nan.labelled, ~np.isnan(with_nan))
    drawn = calibrate_judge(
        human_scores=human, judge_scores=judge, labelled=37, rng=14, resamples=50
    )
    again = calibrate_judge(
        human_scores=human, judge_scores=judge, labelled=37, rng=14, resamples=50
    )
    assert drawn.n_labelled == 37
    assert np.array_equal(drawn.labelled, again.labelled)
    assert drawn.ppi == again.ppi and drawn.krippendorff == again.krippendorff
    from_nan_pool = calibrate_judge(
        human_scores=with_nan, judge_scores=judge, labelled=30, rng=15, resamples=50
    )
    assert not np.any(from_nan_pool.labelled & np.isnan(with_nan))


def test_the_summary_names_every_method() -> None:
    judge, human = biased_judge(np.random.default_rng(16), 300)
    cal = calibrate_judge(
        human_scores=human, judge_scores=judge, labelled=90, rng=17, resamples=100
    )
    assert isinstance(cal, JudgeCalibration)
    text = cal.summary()
    for method in cal.methods().values():
        assert method in text
    for phrase in ("Cohen's kappa", "Krippendorff's alpha", "judge only", "PPI++", "95%"):
        assert phrase in text


def test_the_confidence_level_follows_alpha() -> None:
    judge, human = biased_judge(np.random.default_rng(18), 300)
    wide = calibrate_judge(
        human_scores=human, judge_scores=judge, labelled=90, rng=19, alpha=0.01, resamples=100
    )
    narrow = calibrate_judge(
        human_scores=human, judge_scores=judge, labelled=90, rng=19, alpha=0.2, resamples=100
    )
    assert wide.ppi.confidence == pytest.approx(0.99)
    assert wide.ppi.width > narrow.ppi.width
    assert wide.kappa.estimate.width > narrow.kappa.estimate.width


# --- bad input ------------------------------------------------------------------------------


def test_bad_input_is_refused_with_a_clear_message() -> None:
    judge, human = biased_judge(np.random.default_rng(20), 50)
    with pytest.raises(DataError, match="same examples"):
        calibrate_judge(human_scores=human[:-1], judge_scores=judge, labelled=10, rng=0)
    with pytest.raises(DataError, match="unlabelled"):
        calibrate_judge(
            human_scores=human, judge_scores=judge, rng=0
        )  # every example labelled: nothing to correct
    mask = np.zeros(50, dtype=bool)
    mask[:10] = True
    no_label = human.copy()
    no_label[3] = np.nan
    with pytest.raises(DataError, match="row 3"):
        calibrate_judge(human_scores=no_label, judge_scores=judge, labelled=mask, rng=0)
    bad_judge = judge.copy()
    bad_judge[7] = np.inf
    with pytest.raises(DataError, match="row 7"):
        calibrate_judge(human_scores=human, judge_scores=bad_judge, labelled=10, rng=0)
    with pytest.raises(
        ParameterError,
        match=r"^The 'alpha' parameter of calibrate_judge must be a float in \(0, 1\)\. Got 1\.5\.$",
    ):
        calibrate_judge(human_scores=human, judge_scores=judge, labelled=10, rng=0, alpha=1.5)
    with pytest.raises(ParameterError, match="'labelled' parameter"):
        calibrate_judge(human_scores=human, judge_scores=judge, labelled=51, rng=0)
    with pytest.raises(ParameterError, match="'labelled' parameter"):
        calibrate_judge(human_scores=human, judge_scores=judge, labelled=[1, 0], rng=0)
    with pytest.raises(ParameterError, match="'rng' parameter"):
        calibrate_judge(human_scores=human, judge_scores=judge, labelled=10, rng=-1)


def test_few_agreeing_binary_labels_get_a_wilson_interval_not_a_point() -> None:
    judge = np.array([1, 1, 0, 1, 0, 1, 1, 0, 1, 0], dtype=float)
    human = np.array([1, 1, 1, 1, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan])
    cal = calibrate_judge(human_scores=human, judge_scores=judge, rng=0)
    reference = binary_mean_interval([1, 1, 1, 1])
    assert cal.human_only.width > 0
    assert (cal.human_only.low, cal.human_only.high) == pytest.approx(
        (reference.low, reference.high)
    )
    assert "wilson" in cal.human_only.method.lower()
    assert any("only 4 labelled examples" in note for note in cal.notes)


# --- argument order -------------------------------------------------------------------------


def test_the_scores_are_keyword_only_human_first_and_rng_defaults_to_0() -> None:
    judge, human = biased_judge(np.random.default_rng(21), 200)
    by_keyword = calibrate_judge(human_scores=human, judge_scores=judge, labelled=60)
    seeded = calibrate_judge(judge_scores=judge, human_scores=human, labelled=60, rng=0)
    assert np.array_equal(by_keyword.labelled, seeded.labelled)
    assert by_keyword.ppi == seeded.ppi and by_keyword.krippendorff == seeded.krippendorff


def test_scores_by_position_keep_the_old_order_and_warn() -> None:
    judge, human = biased_judge(np.random.default_rng(22), 200)
    expected = calibrate_judge(human_scores=human, judge_scores=judge, labelled=60, rng=3)
    with pytest.warns(
        DeprecationWarning, match=r"by position .*\(human_scores=\.\.\., judge_scores="
    ):
        old = calibrate_judge(judge, human, labelled=60, rng=3)  # the old order: judge first
    assert old.ppi == expected.ppi and old.judge_only == expected.judge_only
    assert np.array_equal(old.labelled, expected.labelled)
    with pytest.warns(DeprecationWarning), pytest.raises(TypeError, match="multiple values"):
        calibrate_judge(judge, human, judge_scores=judge, labelled=60)

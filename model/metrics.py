"""Outcome measures (BRIEF: outcome measures). Pure functions of arrays; defined in docs/ODD.md 4.11.

The concentration functions take engagement shares (of live companies, or of every company
that entered, where exited ones count 0) and return plain floats, finite for every input: an empty or all-zero market has Gini 0, HHI 0,
top shares 0 and a rank-size slope of 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .formats import FORMATS


@dataclass(frozen=True)
class Metric:
    """One outcome measure, declared once: the DataCollector, the summary, the tables, the CLI and
    the plots all read this declaration."""

    name: str
    label: str
    summary: bool = True  # part of RunResult.summary (final value of the run)
    integer: bool = False  # a count (stored as an integer in result tables)


#: Every outcome measure recorded at every step, in table order (defined in docs/ODD.md 4.11).
OUTCOMES: tuple[Metric, ...] = (
    Metric("active_users", "users on the platform", integer=True),
    Metric("survivors", "companies in the market", integer=True),
    Metric("entries", "newcomers so far", integer=True),
    Metric("exits", "exits so far", integer=True),
    Metric("gini", "Gini coefficient of engagement shares over every company that entered (exited = 0)"),
    Metric("gini_survivors", "Gini coefficient of engagement shares among live companies"),
    Metric("hhi", "Herfindahl-Hirschman index (0-1; the same over survivors and all entrants)"),
    Metric("effective_competitors", "effective number of competitors (1/HHI)"),
    Metric("top1_share", "share of the largest company (the same over survivors and all entrants)"),
    Metric("top10_share", "share of the top 10% of every company that entered"),
    Metric("top10_share_survivors", "share of the top 10% of live companies"),
    Metric("cohort", "companies that have had their chance: in the market maturity_age steps ago", integer=True),
    Metric("winners", "winners: cohort companies alive now with a profit over the last maturity_age steps",
           integer=True),
    Metric("losers", "losers: the other cohort companies (exited, or alive without profit)", integer=True),
    Metric("loser_winner_ratio", "losers per winner in the cohort (undefined, NaN, without winners)"),
    Metric("above_fair_share", "companies at or above the fair share 1/n", integer=True),
    Metric("rank_size_slope", "slope of log share against log rank (live companies)"),
    Metric("leader", "id of the company with the largest share", summary=False, integer=True),
    Metric("leader_turnover", "changes of leader so far", integer=True),
    Metric("total_engagement", "engagement in the market per step", summary=False),
    Metric("mean_engagement", "engagement per active user per step"),
    Metric("attention_to_companies", "share of all active users' attention budgets that went to companies"),
    Metric("relationships_per_user", "relationships with companies per active user"),
    *(Metric(f"share_{f.name}", f"engagement share of {f.label}", summary=False) for f in FORMATS),
    *(Metric(f"survivors_{f.name}", f"live companies of format {f.label}", summary=False, integer=True)
      for f in FORMATS),
)

@dataclass(frozen=True)
class CompanyColumn:
    """One column of the company table (``RunResult.companies``), declared once."""

    name: str
    label: str
    integer: bool = False


#: The columns of the company table, one row per company that ever entered, as at the end of a run.
COMPANY_COLUMNS: tuple[CompanyColumn, ...] = (
    CompanyColumn("id", "company id (Mesa unique_id)", integer=True),
    CompanyColumn("format", "social-media format"),
    CompanyColumn("topic", "topic on the interest circle [0, 1)"),
    CompanyColumn("focus", "share of effort on the main format"),
    CompanyColumn("alive", "still in the market"),
    CompanyColumn("entry_step", "step of entry (0 = initial company)", integer=True),
    CompanyColumn("exit_step", "step of exit (-1 = still in the market)", integer=True),
    CompanyColumn("share", "engagement share in the last step"),
    CompanyColumn("engagement", "engagement in the last step"),
    CompanyColumn("attention", "attention received in the last step"),
    CompanyColumn("engaged_users", "users with a relationship to the company", integer=True),
    CompanyColumn("penetration", "engaged users per active user"),
    CompanyColumn("engagement_per_engaged_user", "engagement per engaged user (loyalty, for double jeopardy)"),
    CompanyColumn("revenue", "cumulative revenue"),
    CompanyColumn("cost", "cumulative cost"),
    CompanyColumn("profit", "cumulative profit"),
    CompanyColumn("resources", "resources now"),
    CompanyColumn("knowledge", "knowledge from profiling, in [0, 1)"),
    CompanyColumn("reach", "maintained reach, in [0, 1]"),
    CompanyColumn("maintaining", "still investing in reach"),
)

OUTCOME_BY_NAME: dict[str, Metric] = {metric.name: metric for metric in OUTCOMES}
#: Keys of ``RunResult.summary`` besides ``steps`` and ``seed``.
SUMMARY_KEYS: tuple[str, ...] = tuple(metric.name for metric in OUTCOMES if metric.summary)
#: Outcomes that are counts.
INTEGER_OUTCOMES: frozenset[str] = frozenset(metric.name for metric in OUTCOMES if metric.integer)


def shares(engagement: np.ndarray) -> np.ndarray:
    """Engagement share of each company: its engagement over the total (zeros if total is 0)."""
    engagement = np.asarray(engagement, dtype=np.float64)
    total = engagement.sum()
    if total <= 0:
        return np.zeros_like(engagement)
    return engagement / total


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 = equal, (n-1)/n = one holds everything).

    G = sum_i (2i - n - 1) x_(i) / (n sum x), with x sorted ascending and i = 1..n.
    """
    x = np.sort(np.asarray(values, dtype=np.float64))
    n = x.size
    total = x.sum()
    if n == 0 or total <= 0:
        return 0.0
    ranks = np.arange(1, n + 1, dtype=np.float64)
    return float(np.sum((2 * ranks - n - 1) * x) / (n * total))


def hhi(share: np.ndarray) -> float:
    """Herfindahl-Hirschman index: sum of squared shares (on the 0-1 scale)."""
    s = np.asarray(share, dtype=np.float64)
    return float(np.sum(s * s))


def effective_competitors(share: np.ndarray) -> float:
    """Effective number of competitors, 1/HHI (0 for a market with no engagement)."""
    h = hhi(share)
    return 1.0 / h if h > 0 else 0.0


def top_share(share: np.ndarray, fraction: float | None = None, k: int = 1) -> float:
    """Combined share of the top ``k`` companies, or of the top ``ceil(fraction * n)`` companies."""
    s = np.sort(np.asarray(share, dtype=np.float64))[::-1]
    if s.size == 0:
        return 0.0
    if fraction is not None:
        k = max(1, math.ceil(fraction * s.size))
    return float(s[:k].sum())


def rank_size_slope(share: np.ndarray) -> float:
    """Least-squares slope of log(share) against log(rank) over companies with positive share.

    Around -1 is Zipf's law; steeper (more negative) means more concentrated. Fewer than three
    companies with positive share do not define a slope: 0 is returned.
    """
    s = np.sort(np.asarray(share, dtype=np.float64))[::-1]
    s = s[s > 0]
    if s.size < 3:
        return 0.0
    x = np.log(np.arange(1, s.size + 1, dtype=np.float64))
    y = np.log(s)
    x -= x.mean()  # closed-form least squares: slope = cov(x, y) / var(x)
    return float(np.dot(x, y - y.mean()) / np.dot(x, x))


def cohort(entry_step: np.ndarray, exit_step: np.ndarray, step: int, maturity_age: int) -> np.ndarray:
    """Companies that have had their chance: in the market at step ``step - maturity_age``.

    A company is in the market at step s if it entered at or before s and had not exited by s
    (``exit_step`` -1 = never exited). Before step ``maturity_age`` the cohort is empty.
    """
    start = step - maturity_age
    entry_step, exit_step = np.asarray(entry_step), np.asarray(exit_step)
    if start < 0:
        return np.zeros(entry_step.shape, dtype=bool)
    return (entry_step <= start) & ((exit_step < 0) | (exit_step > start))


def winners_and_losers(in_cohort: np.ndarray, alive: np.ndarray, recent_profit: np.ndarray) -> tuple[int, int]:
    """Winners: cohort companies alive now whose profit over the last maturity_age steps is positive;
    losers: the rest of the cohort (exited, or alive without a profit)."""
    in_cohort = np.asarray(in_cohort, dtype=bool)
    winners = int(np.count_nonzero(in_cohort & np.asarray(alive, dtype=bool) & (np.asarray(recent_profit) > 0)))
    return winners, int(np.count_nonzero(in_cohort)) - winners


def loser_winner_ratio(winners: int, losers: int) -> float:
    """Losers per winner; undefined (NaN) when there is no winner."""
    return losers / winners if winners > 0 else math.nan


def above_fair_share(share: np.ndarray) -> int:
    """Companies whose share is at least the fair share 1/n of the n live companies."""
    s = np.asarray(share, dtype=np.float64)
    if s.size == 0 or s.sum() <= 0:
        return 0
    return int(np.count_nonzero(s >= 1.0 / s.size - 1e-12))


def lorenz_curve(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lorenz curve: cumulative share of companies (x) against cumulative share of engagement (y)."""
    x = np.sort(np.asarray(values, dtype=np.float64))
    n = x.size
    total = x.sum()
    cum_pop = np.linspace(0.0, 1.0, n + 1)
    if total <= 0:
        return cum_pop, cum_pop.copy()
    return cum_pop, np.concatenate([[0.0], np.cumsum(x) / total])


def rank_correlation_across_worlds(final_shares: np.ndarray) -> float:
    """Unpredictability across replicate worlds (C10) as 1 minus the mean Spearman rank correlation.

    ``final_shares`` has one row per world and one column per company (the same companies in
    every world). 0 means the same ranking in every world, 1 means no agreement at all.
    """
    from scipy.stats import rankdata

    table = np.asarray(final_shares, dtype=np.float64)
    if table.shape[0] < 2 or table.shape[1] < 2:
        return 0.0
    ranks = rankdata(table, axis=1)
    constant = np.ptp(ranks, axis=1) == 0
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = np.corrcoef(ranks)  # Spearman = Pearson correlation of ranks
    rho[constant, :] = np.nan
    rho[:, constant] = np.nan
    upper = rho[np.triu_indices(table.shape[0], k=1)]
    upper = upper[np.isfinite(upper)]
    if upper.size == 0:
        return 1.0
    return float(1.0 - upper.mean())


def salganik_unpredictability(final_shares: np.ndarray) -> float:
    """Salganik et al. (2006) unpredictability: mean absolute share difference between pairs of worlds, averaged over companies."""
    table = np.asarray(final_shares, dtype=np.float64)
    worlds = table.shape[0]
    if worlds < 2:
        return 0.0
    diffs = np.abs(table[:, None, :] - table[None, :, :])
    pairs = worlds * (worlds - 1) / 2
    per_company = diffs.sum(axis=(0, 1)) / 2 / pairs
    return float(per_company.mean())


# ====================================================================== statistics over replicates
def mean_ci(values: Sequence[float] | np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and its ``level`` confidence interval (Student t over replicates).

    One value: the interval is that value (no spread known). NaNs are ignored.
    """
    from scipy import stats

    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if x.size < 2:
        return mean, mean, mean
    half = float(stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return mean, mean - half, mean + half

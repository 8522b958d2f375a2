"""Outcome measures (BRIEF: outcome measures). Pure functions of arrays; defined in docs/ODD.md 4.11.

All functions take the engagement (or share) of the companies that are alive and return
plain floats, finite for every input: an empty or all-zero market has Gini 0, HHI 0,
top shares 0 and a rank-size slope of 0.
"""

from __future__ import annotations

import math

import numpy as np


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


def winners_and_losers(alive: np.ndarray, cumulative_profit: np.ndarray) -> tuple[int, int]:
    """Winners: alive companies with positive cumulative profit. Losers: every other company ever in the market."""
    alive = np.asarray(alive, dtype=bool)
    winners = int(np.count_nonzero(alive & (np.asarray(cumulative_profit) > 0)))
    return winners, int(alive.size - winners)


def loser_winner_ratio(winners: int, losers: int) -> float:
    """Losers per winner; with no winner at all, the number of losers (losers per max(1, winners))."""
    return losers / max(1, winners)


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

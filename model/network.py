"""User networks (claim C6: word of mouth travels along users' own ties).

Networks are returned as CSR arrays ``(indptr, indices)``: the neighbours of user ``i`` are
``indices[indptr[i]:indptr[i + 1]]``. Construction is vectorised (NumPy/SciPy) or compiled
(igraph), because networkx needs about 15 s and 830 MB for 300,000 users; a million users
take about 2 s (small world) and 6 s (scale free) on the benchmark machine (docs/performance.md).
``tests/test_network.py`` checks that the degree distribution and clustering match networkx's
generators at small size.
"""

from __future__ import annotations

import itertools
import random

import igraph
import numpy as np
import scipy.sparse as sp

#: Rounds of redrawing rewired ties that landed on an existing tie (small world); each round
#: leaves a fraction of about mean_degree / n_users of them, so a handful suffice.
MAX_REDRAW_ROUNDS = 50


def build_network(kind: str, n_users: int, mean_degree: int, rewiring: float,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The user network of the given kind as CSR arrays (int64 indptr, int32 indices)."""
    if kind == "none":
        return np.zeros(n_users + 1, dtype=np.int64), np.zeros(0, dtype=np.int32)
    if kind == "small_world":
        return small_world(n_users, mean_degree, rewiring, rng)
    if kind == "scale_free":
        return scale_free(n_users, mean_degree, rng)
    raise ValueError(f"unknown network {kind!r}")


def small_world(n: int, mean_degree: int, rewiring: float,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Watts-Strogatz graph: a ring lattice whose ties are rewired with probability ``rewiring``.

    The rules of ``networkx.watts_strogatz_graph``: each user is tied to its ``k/2`` nearest
    neighbours on each side (``k`` = mean degree rounded down to an even number, at most
    n-1), then the far end of each tie is moved, with probability ``rewiring``, to a uniformly
    random user other than the near end and not already tied to it (drawn again until it is
    neither). networkx rewires one tie after the other; here all ties are rewired at once and
    those that collide are drawn again, which gives the same distribution of graphs.
    """
    half = max(1, min(mean_degree // 2, (n - 1) // 2))
    sources = np.repeat(np.arange(n, dtype=np.int64), half)
    offsets = np.tile(np.arange(1, half + 1, dtype=np.int64), n)
    targets = (sources + offsets) % n
    redraw = np.flatnonzero(rng.random(sources.size) < rewiring)
    for _ in range(MAX_REDRAW_ROUNDS):
        if not redraw.size:
            break
        # a random user other than the source: draw from n-1 and skip the source
        new = rng.integers(0, n - 1, size=redraw.size)
        new += new >= sources[redraw]
        targets[redraw] = new
        redraw = redraw[_occurrences(n, sources, targets, redraw) > 1]
    # a user tied to everyone cannot take another tie: whatever still collides is merged
    return _to_csr(n, sources, targets)


def _occurrences(n: int, sources: np.ndarray, targets: np.ndarray, ties: np.ndarray) -> np.ndarray:
    """How often the pair of users of each tie in ``ties`` occurs among all ties (either direction)."""
    key = np.minimum(sources, targets) * n + np.maximum(sources, targets)
    ordered = np.sort(key)
    mine = key[ties]
    return np.searchsorted(ordered, mine, side="right") - np.searchsorted(ordered, mine, side="left")


class _IgraphRandom:
    """igraph's source of randomness drawn from a NumPy Generator.

    igraph asks its generator for one number at a time; ``random`` is the C-level ``__next__``
    of an iterator over batches drawn from the Generator, so the million calls of a large
    network cost no Python frame each (Python's ``random`` module would take seconds).
    """

    BATCH = 1 << 16

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self.random = itertools.chain.from_iterable(self._batches()).__next__

    def _batches(self):
        while True:
            yield self._rng.random(self.BATCH).tolist()

    def randint(self, low: int, high: int) -> int:
        return int(self._rng.integers(low, high, endpoint=True))

    def getrandbits(self, bits: int) -> int:
        return int.from_bytes(self._rng.bytes((bits + 7) // 8), "little") >> (-bits % 8)

    def gauss(self, mean: float, sigma: float) -> float:
        return float(self._rng.normal(mean, sigma))


def scale_free(n: int, mean_degree: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Barabasi-Albert graph (preferential attachment, ``m = mean_degree // 2`` ties per newcomer).

    The rules of ``networkx.barabasi_albert_graph``: start from a star of m + 1 users; each
    newcomer ties to m distinct users chosen with probability proportional to their degree.
    Built by igraph's compiled generator (``Graph.Barabasi`` with total degree, no extra
    appeal, started from the star), with its random numbers drawn from the model's generator
    so that the same seed gives the same network.
    """
    m = max(1, min(mean_degree // 2, n - 1))
    igraph.set_random_number_generator(_IgraphRandom(rng))
    try:
        graph = igraph.Graph.Barabasi(n, m, outpref=True, zero_appeal=0, start_from=igraph.Graph.Star(m + 1))
    finally:
        igraph.set_random_number_generator(random)
    pairs = graph.get_edgelist()
    edges = np.fromiter(itertools.chain.from_iterable(pairs), dtype=np.int64, count=2 * len(pairs))
    del pairs, graph
    edges = edges.reshape(-1, 2)
    return _to_csr(n, edges[:, 0], edges[:, 1])


def _to_csr(n: int, sources: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric, duplicate-free CSR structure from an undirected edge list."""
    rows = np.concatenate([sources, targets])
    cols = np.concatenate([targets, sources])
    keep = rows != cols
    data = np.ones(int(keep.sum()), dtype=np.int8)
    matrix = sp.csr_matrix((data, (rows[keep], cols[keep])), shape=(n, n))
    matrix.sum_duplicates()
    matrix.sort_indices()
    return matrix.indptr.astype(np.int64), matrix.indices.astype(np.int32)


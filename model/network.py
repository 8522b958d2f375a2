"""User networks (claim C2: social proof is observed through users' own ties).

Networks are returned as CSR arrays ``(indptr, indices)``: the neighbours of user ``i`` are
``indices[indptr[i]:indptr[i + 1]]``. Construction is vectorised (NumPy/SciPy) or compiled
(igraph), because networkx needs about 15 s and 830 MB for 300,000 users. The tests check
that degree distribution and clustering match networkx's generators at small size.
"""

from __future__ import annotations

import random

import igraph
import numpy as np
import scipy.sparse as sp


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

    Same family as ``networkx.watts_strogatz_graph``: each user is tied to its ``k/2``
    nearest neighbours on each side (``k`` = mean degree rounded down to an even number, at
    most n-1), then the far end of each tie is moved to a uniformly random user with
    probability ``rewiring``. Self-ties are avoided; the rare duplicate tie is merged.
    """
    half = max(1, min(mean_degree // 2, (n - 1) // 2))
    sources = np.repeat(np.arange(n, dtype=np.int64), half)
    offsets = np.tile(np.arange(1, half + 1, dtype=np.int64), n)
    targets = (sources + offsets) % n
    rewire = rng.random(sources.size) < rewiring
    n_rewire = int(rewire.sum())
    if n_rewire:
        # a random user other than the source: draw from n-1 and skip the source
        new = rng.integers(0, n - 1, size=n_rewire)
        new += new >= sources[rewire]
        targets[rewire] = new
    return _to_csr(n, sources, targets)


def scale_free(n: int, mean_degree: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Barabasi-Albert graph (preferential attachment, ``m = mean_degree // 2`` ties per newcomer).

    Built by igraph's compiled generator, seeded from the model's generator so that the
    same seed gives the same network.
    """
    m = max(1, min(mean_degree // 2, n - 1))
    igraph.set_random_number_generator(random.Random(int(rng.integers(2**63))))
    try:
        graph = igraph.Graph.Barabasi(n, m)
    finally:
        igraph.set_random_number_generator(random)
    edges = np.asarray(graph.get_edgelist(), dtype=np.int64).reshape(-1, 2)
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


def degrees(indptr: np.ndarray) -> np.ndarray:
    """Number of ties per user."""
    return np.diff(indptr)

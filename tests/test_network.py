"""User networks (C2): the fast generators of model/network.py against networkx's, and their structure.

The fast generators must produce the same kind of graph as ``networkx.watts_strogatz_graph`` and
``networkx.barabasi_albert_graph``. At 300 users, over 30 seeds each, the mean over seeds of
the mean degree, the degree variance and the average clustering coefficient must agree within
4 standard errors of the difference of the two means (plus 1e-9 for quantities that are exact).
"""

import random

import networkx as nx
import numpy as np
import pytest

from model.network import build_network, scale_free, small_world

N = 300
SEEDS = range(30)


def as_networkx(indptr: np.ndarray, indices: np.ndarray) -> nx.Graph:
    graph = nx.Graph()
    graph.add_nodes_from(range(indptr.size - 1))
    sources = np.repeat(np.arange(indptr.size - 1), np.diff(indptr))
    graph.add_edges_from(zip(sources.tolist(), indices.tolist(), strict=True))
    return graph


def statistics(graph: nx.Graph) -> tuple[float, float, float]:
    degree = np.array([d for _, d in graph.degree()], dtype=float)
    return degree.mean(), degree.var(), nx.average_clustering(graph)


def assert_same_means(ours: np.ndarray, theirs: np.ndarray) -> None:
    """Columns: mean degree, degree variance, average clustering; rows: seeds."""
    for column, name in enumerate(("mean degree", "degree variance", "average clustering")):
        a, b = ours[:, column], theirs[:, column]
        error = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
        assert abs(a.mean() - b.mean()) <= 4 * error + 1e-9, (name, a.mean(), b.mean(), error)


@pytest.mark.parametrize(("mean_degree", "rewiring"), [(10, 0.1), (6, 0.5), (4, 1.0)])
def test_small_world_matches_networkx(mean_degree, rewiring):
    ours = np.array([statistics(as_networkx(*small_world(N, mean_degree, rewiring, np.random.default_rng(seed))))
                     for seed in SEEDS])
    theirs = np.array([statistics(nx.watts_strogatz_graph(N, mean_degree, rewiring, seed=seed)) for seed in SEEDS])
    assert_same_means(ours, theirs)
    # rewired ties never collide, so every user keeps its lattice degree on average: exactly k
    assert np.all(ours[:, 0] == mean_degree)


@pytest.mark.parametrize("mean_degree", [4, 10])
def test_scale_free_matches_networkx(mean_degree):
    ours = np.array([statistics(as_networkx(*scale_free(N, mean_degree, np.random.default_rng(seed))))
                     for seed in SEEDS])
    theirs = np.array([statistics(nx.barabasi_albert_graph(N, mean_degree // 2, seed=seed)) for seed in SEEDS])
    assert_same_means(ours, theirs)
    # a heavy tail: the best-connected user has several times the mean degree
    hub = max(max(d for _, d in as_networkx(*scale_free(N, mean_degree, np.random.default_rng(s))).degree())
              for s in range(5))
    assert hub > 3 * mean_degree


def test_small_world_clustering_falls_with_rewiring():
    """The lattice is clustered (about 3/4 * (k-2)/(k-1)); full rewiring leaves a random graph (about k/n)."""
    lattice = statistics(as_networkx(*small_world(N, 10, 0.0, np.random.default_rng(0))))[2]
    rewired = statistics(as_networkx(*small_world(N, 10, 1.0, np.random.default_rng(0))))[2]
    assert lattice == pytest.approx(0.75 * 8 / 9, rel=1e-9)
    assert rewired < 0.1


@pytest.mark.parametrize("kind", ["small_world", "scale_free", "none"])
def test_networks_are_simple_symmetric_csr(kind):
    indptr, indices = build_network(kind, 500, 8, 0.2, np.random.default_rng(3))
    assert indptr.dtype == np.int64
    assert indices.dtype == np.int32
    assert indptr.size == 501
    assert indptr[0] == 0
    assert indptr[-1] == indices.size
    rows = np.repeat(np.arange(500), np.diff(indptr))
    assert not np.any(rows == indices), "self-ties"
    for i in range(500):
        neighbours = indices[indptr[i]:indptr[i + 1]]
        assert np.all(np.diff(neighbours) > 0), "neighbour lists are sorted and without duplicates"
    forward = set(zip(rows.tolist(), indices.tolist(), strict=True))
    assert forward == {(j, i) for i, j in forward}, "ties are undirected"
    if kind == "none":
        assert indices.size == 0
    else:
        assert np.diff(indptr).mean() == pytest.approx(8, rel=0.05)


@pytest.mark.parametrize("kind", ["small_world", "scale_free"])
def test_same_seed_same_network_and_global_random_untouched(kind):
    state = random.getstate()
    a = build_network(kind, 2000, 10, 0.1, np.random.default_rng(42))
    b = build_network(kind, 2000, 10, 0.1, np.random.default_rng(42))
    c = build_network(kind, 2000, 10, 0.1, np.random.default_rng(43))
    assert random.getstate() == state
    assert np.array_equal(a[0], b[0])
    assert np.array_equal(a[1], b[1])
    assert not np.array_equal(a[1], c[1])


def test_unknown_network_is_rejected():
    with pytest.raises(ValueError, match="unknown network 'ring'"):
        build_network("ring", 100, 4, 0.1, np.random.default_rng(0))

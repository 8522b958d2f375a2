"""The article's argument, claim by claim, as runnable experiments (BRIEF.md, C1-C10).

Each experiment is one module with ``run(quick, out, workers, seed)`` and ``plot(out)``; run it as
``engagement experiment NAME [--quick] [--out DIR] [--workers N] [--seed S]`` or
``python -m experiments.NAME``. Its tidy data, figures (PNG + SVG) and ``manifest.json`` go to
``results/NAME/``; ``engagement plot DIR`` redraws the figures from the stored data.

This module is imported by the command line, so it stays light: no NumPy, no model.
"""

from __future__ import annotations

#: experiment name -> (claims, one-line description)
EXPERIMENTS: dict[str, tuple[tuple[str, ...], str]] = {
    "few_winners": (("C3",), "the conclusion: Lorenz curve, rank-size plot, winners against losers"),
    "crowding": (("C1", "C3"), "crowding against survivors, losers per winner and Gini"),
    "digital_genes": (("C2",), "social influence x crowding phase diagram: shared market to winner-take-most"),
    "displacement": (("C1", "C3", "C9"), "build-up, usage and displacement phases: the shakeout over time"),
    "formats": (("C4", "C7"), "the five formats in one market; what happens when reach is not maintained"),
    "information_and_participation": (("C5", "C6"), "profiling and participation against concentration and who wins"),
    "strategy": (("C8",), "focused against scattered effort, adaptation on and off, late entrants"),
    "unpredictability": (("C10",), "independent worlds from the same start, with and without social influence"),
    "attribution": (("C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9"),
                    "each mechanism switched off alone and on alone: which ones carry the few-winners outcome"),
    "validation": (("C2", "C10"), "the model beside published results: Polya urn limits, MusicLab, double jeopardy"),
}

__all__ = ["EXPERIMENTS"]

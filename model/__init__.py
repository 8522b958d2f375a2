"""Companies competing for the limited attention of social-media users: an agent-based model on Mesa.

Public API: ``EngagementModel``, ``Params``, ``simulate``, ``RunResult``, ``FORMATS``, ``METRICS`` (name -> label),
``OUTCOMES`` (the declarations of every metric, ``model.metrics.Metric``).
"""

from .formats import FORMAT_NAMES, FORMATS, Format
from .metrics import OUTCOMES, Metric
from .model import METRICS, EngagementModel
from .params import Params
from .simulate import RunResult, simulate

__version__ = "0.1.0"

__all__ = ["FORMATS", "FORMAT_NAMES", "METRICS", "OUTCOMES", "EngagementModel", "Format", "Metric", "Params",
           "RunResult", "__version__", "simulate"]

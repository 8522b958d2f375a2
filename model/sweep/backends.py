"""The sweep's backends are the package's one batch runner (``model.batch``); kept importable here."""

from ..batch import MAX_ATTEMPTS, Backend, DaskBackend, Failure, ProcessBackend, SerialBackend, make_backend

__all__ = ["MAX_ATTEMPTS", "Backend", "DaskBackend", "Failure", "ProcessBackend", "SerialBackend", "make_backend"]

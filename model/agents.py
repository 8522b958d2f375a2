"""Company agents (claims C3, C4, C8).

Companies are few, so each is a plain ``mesa.Agent``. Their numbers live in the model's
``CompanyTable`` (one array per attribute, so that the user engine can read all companies
at once); a ``Company`` is a named view on one row of that table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from .formats import FORMAT_INDEX, FORMAT_NAMES, FORMATS, Format

if TYPE_CHECKING:
    from .model import EngagementModel


class Company(mesa.Agent):
    """One company competing for users' attention with one social-media format."""

    model: EngagementModel

    def __init__(self, model: EngagementModel, row: int) -> None:
        super().__init__(model)
        self.row = row  # this company's row in model.companies_table

    # ------------------------------------------------------------------ state (views)
    @property
    def format_name(self) -> str:
        return FORMAT_NAMES[int(self.model.companies_table.format[self.row])]

    @property
    def format(self) -> Format:
        return FORMATS[int(self.model.companies_table.format[self.row])]

    @property
    def alive(self) -> bool:
        return bool(self.model.companies_table.alive[self.row])

    @property
    def resources(self) -> float:
        return float(self.model.companies_table.resources[self.row])

    @property
    def reach(self) -> float:
        return float(self.model.companies_table.reach[self.row])

    @property
    def engagement(self) -> float:
        return float(self.model.companies_table.engagement[self.row])

    @property
    def knowledge(self) -> float:
        return float(self.model.companies_table.knowledge()[self.row])

    @property
    def focus(self) -> float:
        return float(self.model.companies_table.focus[self.row])

    @property
    def running_cost(self) -> float:
        return float(self.model.running_costs()[self.row])

    @property
    def maintaining(self) -> bool:
        return bool(self.model.companies_table.maintaining[self.row])

    # ------------------------------------------------------------------ actions
    def stop_maintenance(self) -> None:
        """Stop investing in reach and relationships (C7): saves the maintenance part of the cost."""
        self.model.companies_table.maintaining[self.row] = False

    def resume_maintenance(self) -> None:
        """Invest in reach and relationships again."""
        self.model.companies_table.maintaining[self.row] = True

    def switch_format(self, name: str) -> None:
        """Change format (C8 adaptation); the switching cost is charged by the model."""
        self.model.companies_table.format[self.row] = FORMAT_INDEX[name]

    def __repr__(self) -> str:
        return f"Company(id={self.unique_id}, format={self.format_name}, alive={self.alive})"

"""The engagement-competition model: companies compete for users' limited attention.

``EngagementModel.step`` reads like the process overview of docs/ODD.md (section 3): one
named submodel per line, in the documented order, each naming the claim (C1-C10 of
BRIEF.md) that it implements.
"""

from __future__ import annotations

from collections import deque
from functools import partial
from typing import Any

import mesa
import numpy as np

from . import metrics
from .agents import Company
from .formats import FORMAT_NAMES, format_table
from .market import CompanyTable, MarketView, UserOutcome
from .params import Params, as_params, check_seed, format_shares
from .users import ArrayUsers, draw_users

#: The metrics recorded every step, with a label for tables and plots (declared in ``metrics.OUTCOMES``).
METRICS: dict[str, str] = {metric.name: metric.label for metric in metrics.OUTCOMES}


def read_metric(name: str, model: EngagementModel) -> float:
    """DataCollector reporter: one metric of the current step (used through a picklable partial)."""
    return model.current[name]


class EngagementModel(mesa.Model):
    """Companies competing for the limited attention and engagement of social-media users.

    Parameters are those of :class:`model.Params` as keyword arguments (or ``params=`` a
    ``Params``); ``rng`` seeds every random draw (Mesa 3.5 convention).
    """

    def __init__(self, params: Params | None = None, *, rng: Any = None, **overrides: Any) -> None:
        super().__init__(rng=check_seed(rng, "rng"))
        self.p = as_params(params, overrides)
        p = self.p
        self.companies_table = CompanyTable(p.n_companies + int(4 * p.entry_rate * 100) + 8, p.knowledge_half)
        self.companies_by_row: list[Company] = []
        self._format_shares = np.array(list(format_shares(p.format_mix).values()))
        self.formats = format_table(p)  # attribute -> value per format number (C4)
        self.n_active = self._active_users(0)
        self.entries = 0
        self.exits = 0
        self.leader = -1
        self.leader_turnover = 0
        self.current: dict[str, float] = {}
        self.share_history: list[np.ndarray] = []
        # cumulative profit of every company at the last maturity_age + 1 observations (for winners)
        self.profit_history: deque[np.ndarray] = deque(maxlen=self.p.maturity_age + 1)

        draws = draw_users(self)
        if p.engine == "agents":
            from .reference import AgentUsers

            self.users = AgentUsers(self, draws)
        else:
            self.users = ArrayUsers(self, draws)
        self.enter_companies(p.n_companies, newcomers=False)

        self.datacollector = mesa.DataCollector(model_reporters={name: partial(read_metric, name) for name in METRICS})
        self.observe()
        self.datacollector.collect(self)

    # ================================================================== the step
    def step(self) -> None:
        """One period of the market, submodels in the order of docs/ODD.md section 3."""
        self.grow_user_base()  # C9
        self.admit_newcomers()  # C9, C3
        self.maintain_reach()  # C7
        market = self.market_view()  # C2, C4, C5, C6, C8: what users see
        outcome = self.users.step(market, self.n_active)  # C1, C2, C4-C7
        self.gather_information(outcome.engaged)  # C5
        self.settle_accounts(outcome)  # C3
        self.adapt_strategies()  # C8
        self.exit_companies()  # C3
        self.observe(outcome)  # outcome measures
        self.datacollector.collect(self)
        if self.companies_table.alive.sum() == 0 and self.p.entry_rate == 0:
            self.running = False

    # ================================================================== submodels
    def grow_user_base(self) -> None:
        """C9: the user base grows logistically from ``initial_user_share`` and saturates."""
        self.n_active = self._active_users(self.steps)

    def _active_users(self, t: int) -> int:
        p = self.p
        share = 1.0 / (1.0 + (1.0 / p.initial_user_share - 1.0) * np.exp(-p.user_growth * t))
        return max(1, min(p.n_users, round(share * p.n_users)))

    def admit_newcomers(self) -> None:
        """C9, C3: companies keep entering, Poisson(``entry_rate``) per step."""
        if self.p.entry_rate > 0:
            count = int(self.rng.poisson(self.p.entry_rate))
            if count:
                self.enter_companies(count, newcomers=True)

    def enter_companies(self, count: int, *, newcomers: bool) -> list[Company]:
        """Create ``count`` companies: format from ``format_mix``, random topic, focus, runway."""
        p, table = self.p, self.companies_table
        # C10: with market_seed set, the initial companies are the same in every world
        rng = np.random.default_rng(p.market_seed) if (p.market_seed >= 0 and not newcomers) else self.rng
        rows = table.add(count)
        table.format[rows] = rng.choice(len(FORMAT_NAMES), size=count, p=self._format_shares)
        table.topic[rows] = rng.random(count)
        focus = p.strategy_focus + p.focus_spread * (rng.random(count) - 0.5)
        table.focus[rows] = np.clip(focus, 0.0, 1.0)
        table.effectiveness[rows] = 1.0 - p.scatter_penalty * (1.0 - table.focus[rows])
        table.reach[rows] = 0.0
        table.information[rows] = 0.0
        table.alive[rows] = True
        table.maintaining[rows] = True
        table.entry_step[rows] = self.steps
        table.exit_step[rows] = -1
        spread = rng.uniform(1.0 - p.runway_spread, 1.0 + p.runway_spread, count)
        table.resources[rows] = p.initial_runway * self.running_costs()[rows] * spread
        created = []
        for row in rows:
            company = Company(self, int(row))
            table.unique_id[row] = company.unique_id
            self.companies_by_row.append(company)
            created.append(company)
        if newcomers:
            self.entries += count
        return created

    def maintain_reach(self) -> None:
        """C7: reach fades by the format's decay unless maintained: R <- R(1-d) + i*e*(1-R)."""
        t, p = self.companies_table, self.p
        live = t.in_use
        decay = self.decay_rates()[live]
        investment = p.reach_investment * t.effectiveness[live] * t.maintaining[live]
        t.reach[live] = t.reach[live] * (1.0 - decay) + investment * (1.0 - t.reach[live])
        t.reach[live] *= t.alive[live]

    def decay_rates(self) -> np.ndarray:
        """C7: per-step decay of reach and relationships by format, reach_decay * format decay (at most 1)."""
        return np.minimum(self.p.reach_decay * self.formats["decay"][self.companies_table.format], 1.0)

    def popularity(self) -> np.ndarray:
        """C2, the one feedback: g_c = ((N_c + k) / (N_max + k))^gamma for live companies, 0 for others.

        N_c is the attention c received last step in users' worth (attention / attention_budget), an
        absolute count: feeds rank by engagement; with equal budgets, one relationship per user and no
        outside option it is the number of c's users (the Polya urn, docs/ODD.md section 8). k =
        ``social_baseline`` is a pseudo-count in users, gamma = ``social_influence``. Dividing by
        the most popular company's weight only fixes the scale (the leader has 1): ratios between
        companies are ((N_c + k) / (N_d + k))^gamma.
        """
        t, p = self.companies_table, self.p
        alive = t.alive
        if not alive.any():
            return np.zeros(alive.size)
        count = t.attention / p.attention_budget if p.attention_budget > 0 else np.zeros(alive.size)
        top = count[alive].max()
        return ((count + p.social_baseline) / (top + p.social_baseline)) ** p.social_influence * alive

    def market_view(self) -> MarketView:
        """C2, C5, C6, C7, C8: what users see of every company this step.

        visibility_c = format reach * R_c * effectiveness_c * (1 + profiling * knowledge_c) * g_c
        """
        t, p, formats = self.companies_table, self.p, self.formats
        fmt = t.format
        alive = t.alive.copy()
        fit_boost = p.profiling * t.knowledge() * alive
        popularity = self.popularity()
        visibility = formats["reach"][fmt] * t.reach * t.effectiveness * (1.0 + fit_boost) * popularity
        reinforcement = np.minimum(p.bond_reinforcement * formats["depth"][fmt] * t.effectiveness, 1.0)
        return MarketView(
            visibility=visibility,
            popularity=popularity,
            topic=t.topic.copy(),
            fit_boost=fit_boost,
            effectiveness=t.effectiveness * alive,
            alive=alive,
            keep=1.0 - self.decay_rates() * alive,
            reinforcement=reinforcement * t.maintaining * alive,
            depth=formats["depth"][fmt] * alive,
            word_of_mouth=p.participation * formats["participation"][fmt] * alive,
        )

    def gather_information(self, engaged: np.ndarray) -> None:
        """C5: engaged users reveal their needs: information += gain_format * penetration."""
        t = self.companies_table
        t.information += self.formats["information_gain"][t.format] * engaged / self.n_active * t.alive

    def settle_accounts(self, users: UserOutcome) -> None:
        """C3: revenue from engagement minus running cost; resources carry the balance."""
        t, p = self.companies_table, self.p
        alive = t.alive
        t.engagement[:] = users.engagement * alive
        t.engaged_users[:] = users.engaged * alive
        t.attention[:] = users.attention * alive
        revenue = p.value_per_attention * t.engagement / p.n_users
        cost = self.running_costs() * alive
        t.resources += revenue - cost
        t.revenue_total += revenue
        t.cost_total += cost
        t.profit_window += revenue - cost

    def running_costs(self) -> np.ndarray:
        """Running cost per row: operating_cost * format cost, less maintenance when stopped (C7)."""
        t, p = self.companies_table, self.p
        saved = np.where(t.maintaining, 0.0, self.formats["maintenance_share"][t.format])
        return p.operating_cost * self.formats["cost"][t.format] * (1.0 - saved)

    def adapt_strategies(self) -> None:
        """C8: at each review, loss-making companies may imitate the format of a profitable rival."""
        p, t = self.p, self.companies_table
        if p.adaptation <= 0 or self.steps % p.adaptation_interval != 0:
            return
        live = t.in_use
        alive = t.alive[live]
        losing = np.flatnonzero(alive & (t.profit_window[live] < 0))
        models = np.flatnonzero(alive & (t.profit_window[live] > 0))
        if losing.size and models.size:
            weights = t.engagement[models] + 1e-12
            switching = losing[self.rng.random(losing.size) < p.adaptation]
            picks = models[self.rng.choice(models.size, size=switching.size, p=weights / weights.sum())]
            differs = t.format[picks] != t.format[switching]
            changed = switching[differs]
            t.format[changed] = t.format[picks[differs]]
            switching_cost = p.switching_cost * self.running_costs()[changed]  # at the new format's cost
            t.resources[changed] -= switching_cost
            t.cost_total[changed] += switching_cost
        t.profit_window[live] = 0.0

    def exit_companies(self) -> None:
        """C3 displacement: a company whose resources fall below zero leaves the market."""
        if not self.p.exit_enabled:
            return
        t = self.companies_table
        leaving = np.flatnonzero(t.alive & (t.resources < 0))
        for row in leaving:
            t.alive[row] = False
            t.exit_step[row] = self.steps
            t.engagement[row] = 0.0
            t.engaged_users[row] = 0.0
            t.attention[row] = 0.0
            t.reach[row] = 0.0
            self.companies_by_row[row].remove()
        self.exits += leaving.size

    # ================================================================== observation
    def observe(self, users: UserOutcome | None = None) -> None:
        """Compute every outcome measure of this step into ``self.current`` (docs/ODD.md 4.11)."""
        t, p = self.companies_table, self.p
        live = t.in_use
        alive = t.alive[live]
        engagement = t.engagement[live] * alive
        share_all = metrics.shares(engagement)
        share = share_all[alive]
        total = float(engagement.sum())
        leader = int(t.unique_id[live][np.argmax(share_all)]) if total > 0 else -1
        if leader != self.leader and leader >= 0:
            if self.leader >= 0:
                self.leader_turnover += 1
            self.leader = leader
        profit = t.revenue_total[live] - t.cost_total[live]
        self.profit_history.append(profit)
        in_cohort = metrics.cohort(t.entry_step[live], t.exit_step[live], self.steps, p.maturity_age)
        # profit over the last maturity_age steps; cohort companies existed maturity_age steps ago
        before = self.profit_history[0]
        recent = profit.copy()
        recent[: before.size] -= before
        winners, losers = metrics.winners_and_losers(in_cohort, alive, recent)
        budget = users.attention_budget if users else 0.0
        fmt = t.format[live]
        current = {
            "active_users": float(self.n_active),
            "survivors": float(alive.sum()),
            "entries": float(self.entries),
            "exits": float(self.exits),
            "gini": metrics.gini(share_all),
            "gini_survivors": metrics.gini(share),
            "hhi": metrics.hhi(share),
            "effective_competitors": metrics.effective_competitors(share),
            "top1_share": metrics.top_share(share, k=1),
            "top10_share": metrics.top_share(share_all, fraction=0.1),
            "top10_share_survivors": metrics.top_share(share, fraction=0.1),
            "cohort": float(in_cohort.sum()),
            "winners": float(winners),
            "losers": float(losers),
            "loser_winner_ratio": metrics.loser_winner_ratio(winners, losers),
            "above_fair_share": float(metrics.above_fair_share(share)),
            "rank_size_slope": metrics.rank_size_slope(share),
            "leader": float(self.leader),
            "leader_turnover": float(self.leader_turnover),
            "total_engagement": total,
            "mean_engagement": total / self.n_active,
            "attention_to_companies": users.attention_to_companies / budget if budget > 0 else 0.0,
            "relationships_per_user": users.relationships / self.n_active if users else 0.0,
        }
        for index, name in enumerate(FORMAT_NAMES):
            of_format = fmt == index
            current[f"share_{name}"] = float(share_all[of_format].sum())
            current[f"survivors_{name}"] = float((alive & of_format).sum())
        self.current = current
        self.share_history.append(share_all.copy())

    # ================================================================== tables
    def companies_frame(self):
        """One row per company ever in the market, with its state and outcomes now (``metrics.COMPANY_COLUMNS``)."""
        import pandas as pd

        t = self.companies_table
        live = t.in_use
        alive = t.alive[live]
        engagement = t.engagement[live] * alive
        engaged = t.engaged_users[live] * alive
        share = metrics.shares(engagement)
        with np.errstate(divide="ignore", invalid="ignore"):
            per_engaged = np.where(engaged > 0, engagement / np.maximum(engaged, 1), 0.0)
        columns = {
            "id": t.unique_id[live],
            "format": [FORMAT_NAMES[f] for f in t.format[live]],
            "topic": t.topic[live],
            "focus": t.focus[live],
            "alive": alive,
            "entry_step": t.entry_step[live],
            "exit_step": t.exit_step[live],
            "share": share,
            "engagement": engagement,
            "attention": t.attention[live] * alive,
            "engaged_users": engaged.astype(np.int64),
            "penetration": engaged / self.n_active,
            "engagement_per_engaged_user": per_engaged,
            "revenue": t.revenue_total[live],
            "cost": t.cost_total[live],
            "profit": t.revenue_total[live] - t.cost_total[live],
            "resources": t.resources[live],
            "knowledge": t.knowledge()[live],
            "reach": t.reach[live],
            "maintaining": t.maintaining[live],
        }
        # the declaration in metrics.COMPANY_COLUMNS fixes names and order
        return pd.DataFrame({column.name: columns[column.name] for column in metrics.COMPANY_COLUMNS})

    @property
    def companies(self) -> list[Company]:
        """Every company ever created, in order of entry (exited ones included)."""
        return list(self.companies_by_row)

    def live_companies(self) -> list[Company]:
        """Companies still in the market."""
        return [c for c in self.companies_by_row if c.alive]


__all__ = ["METRICS", "EngagementModel"]

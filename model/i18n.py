"""Translations: one catalogue for the dashboard and the experiment figures (English text is the key).

gettext-style: the English source string is the key and the German text its translation, so code
and figures are written in English and translated at the last moment:

* :func:`gettext` (``_``) and :func:`ngettext` for the dashboard's labels and sentences
  (placeholders in ``str.format`` style, ``"{n} companies"``; plurals by count);
* :func:`translate_figure` rewrites every text of a finished matplotlib figure (suptitle, titles,
  axis labels, tick labels, legend texts and titles, annotations, colour-bar labels, table cells)
  from the catalogue. ``model.plotting.save`` calls it when ``figure_options(lang="de")`` is active,
  so ``engagement experiment NAME --lang de`` draws slides with German labels.

Strings that carry numbers ("100 steps (slope -6.2)") are matched by the regular expressions of
``PATTERNS``. Multi-line texts are looked up whole, then with their line breaks taken out (the
translation is wrapped to about the same width), then line by line. A text without an entry stays
as it is; :func:`untranslated` lists those, so that tests can hold a figure to complete coverage.
Numbers keep the decimal point, so that a figure's numbers read the same as the tables and the
manifest they come from.

The article's own words are kept (BRIEF.md): Werbung, Informationsverbreitung, Dialog, Brand
Community, Themencommunity, Reichweite, digitale Gene, Verdrängungswettbewerb, glückliche
Minderheit, Aufbauphase, Nutzungsphase, Informationsgewinnung, Partizipation.
"""

from __future__ import annotations

import functools
import re
import textwrap
from typing import Any

LANGUAGES = {"en": "English", "de": "Deutsch"}
DEFAULT_LANGUAGE = "en"

#: The article's words for the five formats (model.formats order), long and short (for tick labels).
FORMAT_WORDS_DE = {
    "advertising": ("Werbung", "Werbung"),
    "information_broadcasting": ("Informationsverbreitung", "Informations-\nverbreitung"),
    "dialogue": ("Dialog", "Dialog"),
    "brand_community": ("Brand Community", "Brand\nCommunity"),
    "topic_community": ("Themencommunity", "Themen-\ncommunity"),
}

# ---------------------------------------------------------------------------------------------------
# The figures of the experiments (experiments/*.py) and of model.plotting.
_FIGURES_DE: dict[str, str] = {
    # format labels (model.plotting.FORMAT_LABELS / FORMAT_SHORT)
    "Advertising (Werbung)": "Werbung",
    "Information broadcasting (Informationsverbreitung)": "Informationsverbreitung",
    "Dialogue (Dialog)": "Dialog",
    "Brand community": "Brand Community",
    "Topic community (Themencommunity)": "Themencommunity",
    "Advertising\n(Werbung)": "Werbung",
    "Information\n(Informations-\nverbreitung)": "Informations-\nverbreitung",
    "Information (Informationsverbreitung)": "Informationsverbreitung",
    "Dialogue\n(Dialog)": "Dialog",
    "Brand\ncommunity": "Brand\nCommunity",
    "Topic community\n(Themen-\ncommunity)": "Themen-\ncommunity",
    # shared words
    "step": "Schritt",
    "step (one period of attention, think of a week)": "Schritt (eine Aufmerksamkeitsperiode, etwa eine Woche)",
    "companies": "Unternehmen",
    "companies (mean)": "Unternehmen (Mittelwert)",
    "companies in the market": "Unternehmen im Markt",
    "companies in the market (survivors)": "Unternehmen im Markt (Überlebende)",
    "newcomers so far (entries)": "Neugründungen bisher (Markteintritte)",
    "exits so far": "Austritte bisher",
    "all others": "alle anderen",
    "engagement share": "Engagement-Anteil",
    "engagement share (log scale)": "Engagement-Anteil (log. Skala)",
    "share / coefficient": "Anteil / Koeffizient",
    "share (mean, 95% CI)": "Anteil (Mittelwert, 95%-KI)",
    "top-1 share": "Anteil des Größten",
    "Top-1 share": "Anteil des Größten",
    "top-1 share (mean)": "Anteil des Größten (Mittelwert)",
    "top-1 share (mean, 95% CI)": "Anteil des Größten (Mittelwert, 95%-KI)",
    "Gini, all companies that entered": "Gini, alle eingetretenen Unternehmen",
    "Gini, all companies that entered (exited = 0)": "Gini, alle eingetretenen Unternehmen (ausgetreten = 0)",
    "Gini, survivors": "Gini, Überlebende",
    "Gini (survivors)": "Gini (Überlebende)",
    "survivors' Gini": "Gini der Überlebenden",
    "top-10% share, all that entered": "Anteil der Top 10 %, alle eingetretenen",
    "top-10% share, survivors": "Anteil der Top 10 %, Überlebende",
    "1 = as many losers as winners": "1 = so viele Verlierer wie Gewinner",
    "1 loser per winner": "1 Verlierer je Gewinner",
    "default": "Standard",
    "none": "keine",
    "founders": "Gründer",
    "a": "a", "b": "b", "c": "c", "d": "d", "e": "e", "f": "f",
    # few_winners (C3)
    "cumulative share of companies (smallest first)": "kumulierter Anteil der Unternehmen (kleinste zuerst)",
    "cumulative share of engagement": "kumulierter Anteil am Engagement",
    "Lorenz curves of engagement shares": "Lorenzkurven der Engagement-Anteile",
    "all companies that entered (exited = 0)": "alle eingetretenen Unternehmen (ausgetreten = 0)",
    "survivors only": "nur Überlebende",
    "equal shares": "Gleichverteilung",
    "rank of company (1 = largest, log scale)": "Rang des Unternehmens (1 = größtes, log. Skala)",
    "Rank-size (ranks held in at least half of the runs)": "Rang-Größe (Ränge, die in mindestens der Hälfte der Läufe besetzt sind)",
    "mean share at each rank (log-log slope)": "mittlerer Anteil je Rang (Steigung log-log)",
    "mean share at each rank, 95% CI": "mittlerer Anteil je Rang, 95%-KI",
    "Concentration over time: all entrants and survivors": "Konzentration über die Zeit: alle Eingetretenen und Überlebende",
    "Cohort, winners and losers over time": "Kohorte, Gewinner und Verlierer über die Zeit",
    "cohort (in the market maturity_age steps before)": "Kohorte (maturity_age Schritte zuvor im Markt)",
    "cohort losers (exited, or no recent profit)": "Verlierer der Kohorte (ausgetreten oder ohne Gewinn zuletzt)",
    "cohort winners (alive, recent profit > 0)": "Gewinner der Kohorte (im Markt, Gewinn zuletzt > 0)",
    "cohort losers per winner (ratio of means)": "Verlierer je Gewinner der Kohorte (Verhältnis der Mittelwerte)",
    "Losers per winner at each horizon": "Verlierer je Gewinner zu jedem Zeitpunkt",
    "Winners' share of the cohort and of the engagement": "Anteil der Gewinner an der Kohorte und am Engagement",
    "winners' share of the cohort": "Anteil der Gewinner an der Kohorte",
    "winners' share of the engagement": "Anteil der Gewinner am Engagement",
    # crowding (C1)
    "companies at the default attention budget": "Unternehmen beim Standard-Aufmerksamkeitsbudget",
    "crowding (log scale)": "Gedränge (log. Skala)",
    "share of the companies that entered": "Anteil der eingetretenen Unternehmen",
    "Survivors and cohort winners after 100 steps": "Überlebende und Gewinner der Kohorte nach 100 Schritten",
    "survivors — more companies (attention budget 1)": "Überlebende — mehr Unternehmen (Aufmerksamkeitsbudget 1)",
    "cohort winners — more companies (attention budget 1)": "Gewinner der Kohorte — mehr Unternehmen (Aufmerksamkeitsbudget 1)",
    "survivors — less attention per user (50 companies)": "Überlebende — weniger Aufmerksamkeit je Nutzer (50 Unternehmen)",
    "cohort winners — less attention per user (50 companies)": "Gewinner der Kohorte — weniger Aufmerksamkeit je Nutzer (50 Unternehmen)",
    "cohort losers per winner (ratio of means, log scale)": "Verlierer je Gewinner der Kohorte (Verhältnis der Mittelwerte, log. Skala)",
    "Cohort losers per winner": "Verlierer je Gewinner der Kohorte",
    "more companies (attention budget 1)": "mehr Unternehmen (Aufmerksamkeitsbudget 1)",
    "less attention per user (50 companies)": "weniger Aufmerksamkeit je Nutzer (50 Unternehmen)",
    "Gini coefficient of engagement shares": "Gini-Koeffizient der Engagement-Anteile",
    "Gini: all that entered (solid, exited = 0), survivors (dashed)": "Gini: alle Eingetretenen (durchgezogen, ausgetreten = 0), Überlebende (gestrichelt)",
    "engagement share of the top 10% of companies": "Engagement-Anteil der größten 10 % der Unternehmen",
    "Top-10% share: all that entered (solid), survivors (dashed)": "Anteil der Top 10 %: alle Eingetretenen (durchgezogen), Überlebende (gestrichelt)",
    "share of attention budgets spent on companies": "Anteil der Aufmerksamkeitsbudgets für Unternehmen",
    "Attention that goes to companies (the rest: outside option)": "Aufmerksamkeit für Unternehmen (der Rest: alles andere im Feed)",
    "relationships with companies per active user": "Beziehungen zu Unternehmen je aktivem Nutzer",
    "Relationships per user": "Beziehungen je Nutzer",
    "Survivors, losers per winner, concentration and attention against crowding":
        "Überlebende, Verlierer je Gewinner, Konzentration und Aufmerksamkeit nach Gedränge",
    "crowding = companies' running costs / value of all users' attention per step; no newcomers; 20 runs per point, "
    "100 steps; solid: all that entered, dashed: survivors or winners; bands: 95% CI":
        "Gedränge = laufende Kosten der Unternehmen / Wert der Aufmerksamkeit aller Nutzer je Schritt; keine "
        "Neugründungen; 20 Läufe je Punkt, 100 Schritte; durchgezogen: alle Eingetretenen, gestrichelt: Überlebende "
        "oder Gewinner; Bänder: 95%-KI",
    # digital_genes (C2)
    "social influence γ (0 none, 1 proportional, > 1 super-linear)": "sozialer Einfluss γ (0 keiner, 1 proportional, > 1 überproportional)",
    "social influence γ": "sozialer Einfluss γ",
    "crowding (companies)": "Gedränge (Unternehmen)",
    "Effective number of competitors": "Effektive Zahl der Wettbewerber",
    "winner-take-most above": "darüber: der Gewinner nimmt fast alles",
    "The transition (dotted: fair share 1/n)": "Der Übergang (gepunktet: fairer Anteil 1/n)",
    "share of the largest company (top-1 share)": "Anteil des größten Unternehmens",
    "effective number of competitors (1/HHI, log)": "effektive Zahl der Wettbewerber (1/HHI, log.)",
    "Top-1 share and effective number of competitors against social influence γ and crowding":
        "Anteil des Größten und effektive Zahl der Wettbewerber nach sozialem Einfluss γ und Gedränge",
    # displacement (C9)
    "Aufbauphase\n(build-up)": "Aufbauphase",
    "Verdrängungswettbewerb\n(displacement)": "Verdrängungs-\nwettbewerb",
    "Nutzungsphase\n(usage)": "Nutzungsphase",
    "(b) Companies in the market, newcomers and exits (cumulative)": "(b) Unternehmen im Markt, Neugründungen und Marktaustritte (kumuliert)",
    "(c) Users on the platform and concentration: all companies that entered and survivors":
        "(c) Nutzer auf der Plattform und Konzentration: alle Eingetretenen und Überlebende",
    "users on the platform (share of the market)": "Nutzer auf der Plattform (Anteil am Markt)",
    # formats (C4, C7)
    "engagement share of the format": "Engagement-Anteil des Formats",
    "Engagement share by format (equal numbers of firms)": "Engagement-Anteil nach Format (gleich viele Firmen je Format)",
    "live / entered companies of the format": "lebende / eingetretene Unternehmen des Formats",
    "Survival by format": "Überleben nach Format",
    "cumulative profit per company (money / user)": "kumulierter Gewinn je Unternehmen (Geld / Nutzer)",
    "Profit by format (revenue − running cost since entry)": "Gewinn nach Format (Umsatz − laufende Kosten seit Eintritt)",
    "The article's mix: companies, engagement, winners": "Die Verteilung des Artikels: Unternehmen, Engagement, Gewinner",
    "bars per format (in the format's colour)": "Balken je Format (in der Farbe des Formats)",
    "share of the companies": "Anteil an den Unternehmen",
    "share of the engagement": "Anteil am Engagement",
    "share of the cohort winners": "Anteil an den Gewinnern der Kohorte",
    "Engagement share, survival and profit of the five formats": "Engagement-Anteil, Überleben und Gewinn der fünf Formate",
    "(a–c) equal numbers of firms per format, 30 runs; (d) the article's mix; 95% CI":
        "(a–c) gleich viele Firmen je Format, 30 Läufe; (d) die Verteilung des Artikels; 95%-KI",
    "steps since the company stopped maintaining its reach": "Schritte, seit das Unternehmen seine Reichweite nicht mehr pflegt",
    "engagement relative to before the stop": "Engagement relativ zu vor dem Stopp",
    "(pooled over runs)": "(über die Läufe gepoolt)",
    "Engagement after the stop": "Engagement nach dem Stopp",
    "rivals that keep maintaining (all formats)": "Konkurrenten, die weiter pflegen (alle Formate)",
    "steps until engagement has halved": "Schritte, bis sich das Engagement halbiert hat",
    "Half-life of engagement without maintenance": "Halbwertszeit des Engagements ohne Pflege",
    "Profit since the stop": "Gewinn seit dem Stopp",
    "kept maintaining": "weiter gepflegt",
    "stopped maintaining": "Pflege eingestellt",
    "Engagement and profit of companies that stop maintaining their reach, by format":
        "Engagement und Gewinn von Unternehmen, die ihre Reichweite nicht mehr pflegen, nach Format",
    "one market per format (30 companies); a random half stops maintaining; 30 runs per format, 95% CI":
        "ein Markt je Format (30 Unternehmen); eine zufällige Hälfte stellt die Pflege ein; 30 Läufe je Format, 95%-KI",
    # information_and_participation (C5, C6)
    "participation (Partizipation) strength": "Stärke der Partizipation",
    "profiling (Informationsgewinnung) strength": "Stärke der Informationsgewinnung (Profiling)",
    "Concentration: top-1 share": "Konzentration: Anteil des Größten",
    "Engagement share of brand + topic communities": "Engagement-Anteil von Brand Community + Themencommunity",
    "strength (0 = off, 1 = strongest)": "Stärke (0 = aus, 1 = am stärksten)",
    "Each mechanism alone and together": "Jeder Mechanismus allein und beide zusammen",
    "profiling alone (participation 0)": "Informationsgewinnung allein (Partizipation 0)",
    "participation alone (profiling 0)": "Partizipation allein (Informationsgewinnung 0)",
    "both at the same strength": "beide gleich stark",
    "both off": "beide aus",
    "both off\n(profiling 0,\nparticipation 0)": "beide aus\n(Informationsgewinnung 0,\nPartizipation 0)",
    "profiling\n(profiling 1,\nparticipation 0)": "Informationsgewinnung\n(Informationsgewinnung 1,\nPartizipation 0)",
    "participation\n(profiling 0,\nparticipation 1)": "Partizipation\n(Informationsgewinnung 0,\nPartizipation 1)",
    "both\n(profiling 1,\nparticipation 1)": "beide\n(Informationsgewinnung 1,\nPartizipation 1)",
    "engagement share at the end": "Engagement-Anteil am Ende",
    "Engagement by format at the four corners": "Engagement nach Format in den vier Ecken",
    "community share (mean)": "Anteil der Communitys (Mittelwert)",
    "Top-1 share and the formats' shares of engagement against profiling and participation":
        "Anteil des Größten und Engagement-Anteile der Formate nach Informationsgewinnung und Partizipation",
    "default market (article's format mix), 100 steps, 20 runs per cell":
        "Standardmarkt (Formatverteilung des Artikels), 100 Schritte, 20 Läufe je Zelle",
    # strategy (C8)
    "focus: effort on the main format (0 scattered, 1 focused)": "Fokus: Aufwand für das Hauptformat (0 verzettelt, 1 fokussiert)",
    "share of companies that survive": "Anteil der Unternehmen, die überleben",
    "Survival by focus": "Überleben nach Fokus",
    "effort off the main format loses": "Aufwand abseits des Hauptformats verliert",
    "share of companies that are cohort winners": "Anteil der Unternehmen, die Gewinner der Kohorte sind",
    "Cohort winners by focus (alive, recent profit > 0)": "Gewinner der Kohorte nach Fokus (im Markt, Gewinn zuletzt > 0)",
    "adaptation (chance to imitate per review)": "Anpassung (Chance zu imitieren je Überprüfung)",
    "Adaptation: engagement by format at the end": "Anpassung: Engagement nach Format am Ende",
    "Adaptation: cohort winners over time": "Anpassung: Gewinner der Kohorte über die Zeit",
    "entry step (cohort)": "Eintrittsschritt (Kohorte)",
    "share still in the market at age 40": "Anteil noch im Markt im Alter 40",
    "Survival to age 40 by entry cohort": "Überleben bis Alter 40 nach Eintrittskohorte",
    "mean engagement share at age 40 (log scale)": "mittlerer Engagement-Anteil im Alter 40 (log. Skala)",
    "Engagement share at age 40 by entry cohort": "Engagement-Anteil im Alter 40 nach Eintrittskohorte",
    "Survival and winning by focus, adaptation and entry time": "Überleben und Gewinnen nach Fokus, Anpassung und Eintrittszeit",
    # unpredictability (C10)
    "social influence γ (0 = independent worlds)": "sozialer Einfluss γ (0 = unabhängige Welten)",
    "Gini coefficient (mean over worlds)": "Gini-Koeffizient (Mittel über die Welten)",
    "Inequality": "Ungleichheit",
    "survivors (number of survivors at each point)": "Überlebende (Zahl der Überlebenden an jedem Punkt)",
    "mean |share difference| between worlds": "mittlere |Anteilsdifferenz| zwischen Welten",
    "Unpredictability (Salganik et al. 2006)": "Unvorhersagbarkeit (Salganik et al. 2006)",
    "1 − mean rank correlation between worlds": "1 − mittlere Rangkorrelation zwischen Welten",
    "Rank disagreement": "Uneinigkeit der Ränge",
    "rank in each world (1 = largest share)": "Rang in jeder Welt (1 = größter Anteil)",
    "median rank over the worlds": "Median-Rang über die Welten",
    "Inequality and unpredictability across separate worlds from the same start, by social influence":
        "Ungleichheit und Unvorhersagbarkeit in getrennten Welten mit gleichem Start, nach sozialem Einfluss",
    # attribution
    "Attribution: survivors' Gini, top-1 share and losers per winner with each mechanism off, or on alone":
        "Zuordnung: Gini der Überlebenden, Anteil des Größten und Verlierer je Gewinner mit jedem Mechanismus aus oder allein an",
    "Losers per winner": "Verlierer je Gewinner",
    "cohort losers per winner (log scale; ratio of mean losers to mean winners)":
        "Verlierer je Gewinner der Kohorte (log. Skala; Verhältnis der mittleren Verlierer zu mittleren Gewinnern)",
    "one mechanism switched off (rest of the default market on)": "ein Mechanismus ausgeschaltet (der Rest des Standardmarkts an)",
    "adaptation switched on (0.3) in the default market": "Anpassung eingeschaltet (0.3) im Standardmarkt",
    "one mechanism on alone (all others off)": "ein Mechanismus allein an (alle anderen aus)",
    "30 replicates per condition, 95% intervals (Student t; bootstrap for the ratio); lines and bands: the all-on "
    "and all-off markets":
        "30 Wiederholungen je Bedingung, 95%-Intervalle (Student-t; Bootstrap für das Verhältnis); Linien und Bänder: "
        "die Märkte mit allen Mechanismen an und aus",
    # validation
    "finding": "Befund", "source": "Quelle", "published": "veröffentlicht", "model": "Modell",
    "agrees?": "stimmt überein?", "✓ yes": "✓ ja", "~ direction only": "~ nur die Richtung", "share": "Anteil",
    "seeds": "Seeds",
    "One number per finding: published against model (✓ agrees, ~ same direction but not the size or not "
    "significant, ✗ disagrees)":
        "Eine Zahl je Befund: veröffentlicht gegen Modell (✓ stimmt überein, ~ gleiche Richtung, aber nicht die Größe "
        "oder nicht signifikant, ✗ widerspricht)",
    "γ = 0: spread of the final share (2 companies)": "γ = 0: Streuung des Endanteils (2 Unternehmen)",
    "binomial sampling, sd = √(p(1−p)/n)": "Binomial-Stichprobe, sd = √(p(1−p)/n)",
    "Pólya urn, one ball each: uniform limit (Eggenberger & Pólya 1923)":
        "Pólya-Urne, je eine Kugel: gleichverteilter Grenzwert (Eggenberger & Pólya 1923)",
    "γ = 1: the share freezes early": "γ = 1: der Anteil erstarrt früh",
    "martingale convergence of the urn share": "Martingal-Konvergenz des Urnenanteils",
    "corr(share at 10% of users, final) → 1": "Korr(Anteil bei 10 % der Nutzer, Ende) → 1",
    "γ = 2: share of seeds ending in monopoly (top-1 > 0.95)": "γ = 2: Anteil der Seeds, die im Monopol enden (Größter > 0.95)",
    "super-linear urn: one colour takes all (Drinea et al. 2002; Oliveira 2009)":
        "überproportionale Urne: eine Farbe nimmt alles (Drinea et al. 2002; Oliveira 2009)",
    "inequality (Gini of final shares) rises with social influence":
        "Ungleichheit (Gini der Endanteile) steigt mit sozialem Einfluss",
    "unpredictability across worlds rises with social influence":
        "Unvorhersagbarkeit zwischen Welten steigt mit sozialem Einfluss",
    "positive but loose: the best songs rarely did poorly, the worst rarely well, anything else was possible":
        "positiv, aber locker: die besten Lieder schnitten selten schlecht ab, die schlechtesten selten gut, alles "
        "andere war möglich",
    "smaller companies: fewer users who are also less engaged (Spearman(b, w) > 0)":
        "kleinere Unternehmen: weniger Nutzer, die auch weniger engagiert sind (Spearman(b, w) > 0)",
    "positive: w rises with b": "positiv: w steigt mit b",
    "… but only a little less engaged: w(1−b) ≈ constant": "… aber nur wenig weniger engagiert: w(1−b) ≈ konstant",
    "Ehrenberg, Goodhardt & Barwise 1990 (the w(1−b) law)": "Ehrenberg, Goodhardt & Barwise 1990 (das w(1−b)-Gesetz)",
    "Validation: the model beside published results": "Validierung: das Modell neben veröffentlichten Ergebnissen",
    "model numbers from this run's tables; published numbers and sources in docs/validation.md":
        "Modellzahlen aus den Tabellen dieses Laufs; veröffentlichte Zahlen und Quellen in docs/validation.md",
    "Pólya urn: chance, uniform, monopoly": "Pólya-Urne: Zufall, Gleichverteilung, Monopol",
    "uniform limit (γ = 1)": "gleichverteilter Grenzwert (γ = 1)",
    "Gini of final shares": "Gini der Endanteile",
    "Gini (left axis)": "Gini (linke Achse)",
    "unpredictability (right axis)": "Unvorhersagbarkeit (rechte Achse)",
    "unpredictability (Salganik et al.)": "Unvorhersagbarkeit (Salganik et al.)",
    "penetration b (share of active users engaged)": "Penetration b (Anteil der aktiven Nutzer mit Beziehung)",
    "engagement per engaged user w": "Engagement je gebundenem Nutzer w",
    "Double jeopardy (default market)": "Double Jeopardy (Standardmarkt)",
    "live companies, all runs": "lebende Unternehmen, alle Läufe",
    "w(1−b) = median (double jeopardy law)": "w(1−b) = Median (Double-Jeopardy-Gesetz)",
    # model.plotting.plot_run
    "Engagement shares (C2, C3): the largest companies and the rest": "Engagement-Anteile (C2, C3): die größten Unternehmen und der Rest",
    "cohort winners (alive, recent profit > 0) ": "Gewinner der Kohorte (im Markt, Gewinn zuletzt > 0)",
    "Survivors, winners, exits and Gini (C3, C9)": "Überlebende, Gewinner, Marktaustritte und Gini (C3, C9)",
    "Gini, all that entered (right)": "Gini, alle Eingetretenen (rechts)",
    "Gini, survivors (right)": "Gini, Überlebende (rechts)",
    "Gini coefficient": "Gini-Koeffizient",
}

# ---------------------------------------------------------------------------------------------------
# The dashboard (model/app.py and model/ui/): labels, chart texts, status sentences.
_DASHBOARD_DE: dict[str, str] = {
    "Companies competing for attention": "Unternehmen im Wettbewerb um Aufmerksamkeit",
    "Lesson": "Lektion",
    "Language": "Sprache",
    "What to watch": "Worauf achten",
    "Now": "Jetzt",
    "Settings": "Einstellungen",
    "Step {step}": "Schritt {step}",
    "Corrected input": "Korrigierte Eingabe",
    # controls (labels of the parameters shown as sliders)
    "Companies": "Unternehmen",
    "Users": "Nutzer",
    "Attention per user": "Aufmerksamkeit je Nutzer",
    "Digital genes (feedback)": "Digitale Gene (Rückkopplung)",
    "Format mix": "Formatverteilung",
    "Information gathering": "Informationsgewinnung",
    "Participation": "Partizipation",
    "Newcomers per step": "Neugründungen je Schritt",
    "Exit when out of money": "Austritt ohne Geld",
    "Starting money (steps of cost)": "Startkapital (Schritte Kosten)",
    "Imitate successful rivals": "Erfolgreiche Konkurrenten imitieren",
    "Focus on one format": "Fokus auf ein Format",
    "Seed (a whole number)": "Seed (eine ganze Zahl)",
    "the article's mix": "Verteilung des Artikels",
    "every format equally often": "jedes Format gleich oft",
    "all advertising": "alle Werbung",
    "all information broadcasting": "alle Informationsverbreitung",
    "all dialogue": "alle Dialog",
    "all brand community": "alle Brand Community",
    "all topic community": "alle Themencommunity",
    # chart texts
    "Engagement share of the largest companies": "Engagement-Anteil der größten Unternehmen",
    "Engagement share by format": "Engagement-Anteil nach Format",
    "Companies in the market, newcomers, exits": "Unternehmen im Markt, Neugründungen, Austritte",
    "Concentration of engagement": "Konzentration des Engagements",
    "in the market": "im Markt",
    "newcomers so far": "Neugründungen bisher",
    "Gini, all that entered": "Gini, alle Eingetretenen",
    "leader's share": "Anteil des Größten",
    "all others": "alle anderen",
    "press Step or Play": "Step oder ▶ drücken",
    "no engagement": "kein Engagement",
    "share of firms": "Anteil der Firmen",
    "entries so far": "Eintritte bisher",
    "Gini, all\nthat entered": "Gini, alle\nEingetretenen",
    "Gini,\nsurvivors": "Gini,\nÜberlebende",
    "leader's\nshare": "Anteil des\nGrößten",
    "World {n}": "Welt {n}",
    "Engagement share in four worlds from the same companies": "Engagement-Anteil in vier Welten mit denselben Unternehmen",
    "advertising": "Werbung",
    "information broadcasting": "Informationsverbreitung",
    "dialogue": "Dialog",
    "brand community": "Brand Community",
    "topic community": "Themencommunity",
    "Advertising": "Werbung",
    "Information": "Informationsverbreitung",
    "Dialogue": "Dialog",
    "Brand comm.": "Brand Community",
    "Topic comm.": "Themencommunity",
    # status sentences
    "{companies} in the market, {newcomers} and {exits} so far.":
        "{companies} im Markt, bisher {newcomers} und {exits}.",
    "The leader holds {share} of the engagement (Gini {gini} over every company that entered).":
        "Der Größte hält {share} des Engagements (Gini {gini} über alle eingetretenen Unternehmen).",
    "No company has been in the market for {age} steps yet, so none has had its chance: no winners or losers to "
    "count (losers per winner: {ratio}).":
        "Noch kein Unternehmen ist seit {age} Schritten im Markt, also hatte noch keines seine Chance: keine "
        "Gewinner oder Verlierer zu zählen (Verlierer je Gewinner: {ratio}).",
    "Among the {cohort} in the market {age} steps ago: {winners} (still in the market and in profit: the happy "
    "minority), {losers} (exited or without profit); losers per winner: {ratio}.":
        "Unter den {cohort}, die vor {age} Schritten im Markt waren: {winners} (noch im Markt und mit Gewinn: die "
        "glückliche Minderheit), {losers} (ausgetreten oder ohne Gewinn); Verlierer je Gewinner: {ratio}.",
    "The same {companies} in {worlds} worlds. Who leads: {leaders}.":
        "Dieselben {companies} in {worlds} Welten. Wer führt: {leaders}.",
    "world {n}: #{leader} with {share}": "Welt {n}: #{leader} mit {share}",
    "world {n}: nobody": "Welt {n}: niemand",
    "Nobody engages: users have no attention to give (the scarce resource of the whole argument).":
        "Niemand bindet sich: die Nutzer haben keine Aufmerksamkeit zu vergeben (die knappe Ressource des "
        "ganzen Arguments).",
    "Every company has left the market and no newcomers arrive: the run is over. Change a setting and press Reset.":
        "Alle Unternehmen haben den Markt verlassen, und es kommen keine neuen: der Lauf ist vorbei. Eine "
        "Einstellung ändern und Reset drücken.",
    "Every company has left the market; newcomers may still enter.":
        "Alle Unternehmen haben den Markt verlassen; neue können noch eintreten.",
    "{label}: {value} is outside {low} to {high}; used {used}": "{label}: {value} liegt außerhalb von {low} bis {high}; {used} verwendet",
    "{label}: {value} is not a number; used {used}": "{label}: {value} ist keine Zahl; {used} verwendet",
    "{label}: {value} is not a choice; used {used}": "{label}: {value} ist keine Auswahl; {used} verwendet",
    "seed {value} is not a whole number; used {used} instead": "Seed {value} ist keine ganze Zahl; stattdessen {used} verwendet",
    "seed {value} is outside 0 to 2^63-1; used {used} instead": "Seed {value} liegt außerhalb von 0 bis 2^63-1; stattdessen {used} verwendet",
}

CATALOGUE: dict[str, dict[str, str]] = {"de": {**_FIGURES_DE, **_DASHBOARD_DE}}

#: Plural forms: (English singular, English plural) -> (German singular, German plural); ``{n}`` is the count.
PLURALS: dict[str, dict[tuple[str, str], tuple[str, str]]] = {"de": {
    ("{n} company", "{n} companies"): ("{n} Unternehmen", "{n} Unternehmen"),
    ("{n} newcomer", "{n} newcomers"): ("{n} Neugründung", "{n} Neugründungen"),
    ("{n} exit", "{n} exits"): ("{n} Marktaustritt", "{n} Marktaustritte"),
    ("{n} winner", "{n} winners"): ("{n} Gewinner", "{n} Gewinner"),
    ("{n} loser", "{n} losers"): ("{n} Verlierer", "{n} Verlierer"),
}}

_NUMBER = r"-?[\d.,]+"
#: Texts with numbers in them: (pattern, replacement) per language, tried in order on the whole text.
PATTERNS: dict[str, list[tuple[re.Pattern[str], str]]] = {"de": [(re.compile(p, re.DOTALL), r) for p, r in [
    (r"^(\d+) steps$", r"\1 Schritte"),
    (rf"^(\d+) steps: Gini ({_NUMBER}) all, ({_NUMBER}) survivors$", r"\1 Schritte: Gini \2 alle, \3 Überlebende"),
    (rf"^(\d+) steps \(slope ({_NUMBER})\)$", r"\1 Schritte (Steigung \2)"),
    (r"^(.*)\n\((\d+) of (\d+) runs\nwithout a winner\)$", "\\1\n(\\2 von \\3 Läufen\nohne Gewinner)"),
    (r"^\((\d+) runs\nnever halved\)$", "(\\1 Läufe:\nnie halbiert)"),
    (r"^(\d+)/(\d+) runs without winners$", r"\1/\2 Läufe ohne Gewinner"),
    (rf"^all on \(default market\): ({_NUMBER})$", r"alle an (Standardmarkt): \1"),
    (rf"^all off: ({_NUMBER})$", r"alle aus: \1"),
    (r"^company (\d+)$", r"Unternehmen \1"),
    (rf"^crowding ({_NUMBER}) \((\d+) companies\)$", r"Gedränge \1 (\2 Unternehmen)"),
    (rf"^scatter penalty ({_NUMBER})$", r"Verzettelungsverlust \1"),
    (rf"^adaptation ({_NUMBER})$", r"Anpassung \1"),
    (r"^mean profit per company, (\d+) steps after the stop$", r"mittlerer Gewinn je Unternehmen, \1 Schritte nach dem Stopp"),
    (rf"^γ = ({_NUMBER}): ranks in (\d+) worlds \(independent worlds\)$", r"γ = \1: Ränge in \2 Welten (unabhängige Welten)"),
    (rf"^γ = ({_NUMBER}): ranks in (\d+) worlds \(social influence\)$", r"γ = \1: Ränge in \2 Welten (sozialer Einfluss)"),
    (rf"^γ = ({_NUMBER}) \((\d+) seeds\)$", r"γ = \1 (\2 Seeds)"),
    (r"^the same (\d+) companies, ordered by their median rank without social influence$",
     r"dieselben \1 Unternehmen, geordnet nach ihrem Median-Rang ohne sozialen Einfluss"),
    (r"^all (\d+) initial companies \(exited = 0\)$", r"alle \1 Anfangsunternehmen (ausgetreten = 0)"),
    (r"^(\d+) starts × (\d+) worlds per strength; \(a–c\) 95% CI over starts; \(d, e\) start (\d+), one dot per world$",
     r"\1 Starts × \2 Welten je Stärke; (a–c) 95%-KI über die Starts; (d, e) Start \3, ein Punkt je Welt"),
    (r"^(C3: )?[Ww]inners, losers and concentration in the default market after (\d+), (\d+) and (\d+) steps$",
     r"\1Gewinner, Verlierer und Konzentration im Standardmarkt nach \2, \3 und \4 Schritten"),
    (r"^(\d+) independent runs of the default market, each read at ([\d, ]+) steps; bands and whiskers: 95% confidence intervals$",
     r"\1 unabhängige Läufe des Standardmarkts, jeweils gelesen nach \2 Schritten; Bänder und Fehlerbalken: 95%-Konfidenzintervalle"),
    (r"^\(a\) Engagement shares in one typical world \(run (\d+)\): the (\d+) largest companies and all the rest$",
     r"(a) Engagement-Anteile in einer typischen Welt (Lauf \1): die \2 größten Unternehmen und alle anderen"),
    (r"^Companies, entries, exits and concentration in a growing market over (\d+) steps$",
     r"Unternehmen, Eintritte, Austritte und Konzentration in einem wachsenden Markt über \1 Schritte"),
    (r"^\(a\) Engagement shares in run (\d+): the (\d+) companies with the largest peak share and all the rest$",
     r"(a) Engagement-Anteile in Lauf \1: die \2 Unternehmen mit dem größten Spitzenanteil und alle anderen"),
    ((rf"^the run with the median final Gini \(all that entered\) of (\d+) runs: ({_NUMBER}) \(lower middle for an even "
     r"number\)$"),
     (r"der Lauf mit dem mittleren (Median-)End-Gini (alle Eingetretenen) von \1 Läufen: \2 (bei gerader Zahl der "
     r"untere mittlere)")),
    (r"^(without|only|with) (.+)$", None),  # attribution's conditions ("without profiling")
    (rf"^(\d+) runs; bands: 95% CI of the mean; (\d+) founders, ({_NUMBER}) newcomers per step$",
     r"\1 Läufe; Bänder: 95%-KI des Mittelwerts; \2 Gründer, \3 Neugründungen je Schritt"),
    (r"^(.*), (\d+) steps, (\d+) runs per cell$", r"\1, \2 Schritte, \3 Läufe je Zelle"),
    (rf"^model: log-log slope ({_NUMBER}) \(pooled\)$", r"Modell: Steigung log-log \1 (gepoolt)"),
    (r"^MusicLab analogue: same (\d+) companies$", r"MusicLab-Analogon: dieselben \1 Unternehmen"),
    (rf"^sd ({_NUMBER}) over (\d+) seeds$", r"sd \1 über \2 Seeds"),
    (rf"^sd ({_NUMBER}); monopoly in (\d+)% of (\d+) seeds$", r"sd \1; Monopol in \2 % von \3 Seeds"),
    (rf"^({_NUMBER}) of (\d+) seeds$", r"\1 von \2 Seeds"),
    (rf"^mean losers exceed mean winners from crowding ({_NUMBER}) \(≈ (\d+) companies at the default attention\)$",
     (r"mittlere Verlierer übertreffen mittlere Gewinner ab Gedränge \1 (≈ \2 Unternehmen bei der "
     r"Standard-Aufmerksamkeit)")),
    (r"^(.*), default market, (\d+) runs$", r"\1, Standardmarkt, \2 Läufe"),
    (r"^final share of company (\d+) \(of (\d+)\)$", r"Endanteil von Unternehmen \1 (von \2)"),
    (r"^(.+) \((C\d+)\)$", None),  # "without social feedback (C2)": the words translated, the claim kept
]]}

#: Words inside the attribution's condition labels ("without profiling (C5)").
_CONDITION_WORDS_DE = {
    "without": "ohne", "only": "nur", "with": "mit", "social feedback": "soziale Rückkopplung",
    "format differences": "Formatunterschiede", "profiling": "Informationsgewinnung", "participation": "Partizipation",
    "exit": "Marktaustritt", "entry": "Markteintritt", "adaptation": "Anpassung",
}


def gettext(text: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """``text`` in ``lang`` from the catalogue (the English text itself for English or without an entry)."""
    if lang == "en":
        return text
    return CATALOGUE.get(lang, {}).get(text, text)


_ = gettext


def ngettext(singular: str, plural: str, n: float, lang: str = DEFAULT_LANGUAGE) -> str:
    """The singular or plural form for the count ``n``, in ``lang``, with ``{n}`` filled in."""
    forms = (singular, plural)
    if lang != "en":
        forms = PLURALS.get(lang, {}).get(forms, forms)
    count = int(n) if float(n).is_integer() else n
    return forms[0 if count == 1 else 1].format(n=count)


def translate(text: str, lang: str) -> str:
    """A figure's text in ``lang``: whole, by pattern, with line breaks taken out, or line by line."""
    if lang == "en" or not text.strip():
        return text
    found = _lookup(text, lang)
    if found is not None:
        return found
    if "\n" in text:
        joined = " ".join(text.split())
        found = _lookup(joined, lang)
        if found is not None:
            width = max(len(line) for line in text.splitlines())
            return "\n".join(textwrap.wrap(found, max(width, 12), break_on_hyphens=False))
        lines = [_lookup(line, lang) for line in text.split("\n")]
        if any(line is not None for line in lines):
            return "\n".join(new if new is not None else old
                             for new, old in zip(lines, text.split("\n"), strict=True))
    return text


def _lookup(text: str, lang: str) -> str | None:
    catalogue = CATALOGUE.get(lang, {})
    if text in catalogue:
        return catalogue[text]
    stripped = text.strip()
    if stripped != text and stripped in catalogue:
        return catalogue[stripped]
    for pattern, replacement in PATTERNS.get(lang, []):
        match = pattern.match(text)
        if match is None:
            continue
        if replacement is None:  # a condition (with its claim code, kept): translate the words
            if match.group(1) in ("without", "only", "with"):
                return _condition(text, lang)
            return f"{_condition(match.group(1), lang)} ({match.group(2)})"
        return match.expand(replacement)
    if re.fullmatch(r"[\s\d.,%−\-–+×/()=<>≥≤~]*", text):  # numbers and signs need no translation
        return text
    if re.fullmatch(r"\$[^$]*\$", text):  # mathtext tick labels (10^2) are the same in every language
        return text
    return None


def _condition(words: str, lang: str) -> str:
    if lang != "de":
        return words
    if words in CATALOGUE["de"]:
        return CATALOGUE["de"][words]
    for english, german in sorted(_CONDITION_WORDS_DE.items(), key=lambda item: -len(item[0])):
        words = re.sub(rf"\b{re.escape(english)}\b", german, words)
    return words


def figure_texts(fig: Any) -> list[Any]:
    """Every Text artist of a figure: titles, labels, tick labels, legends, annotations, table cells."""
    from matplotlib.table import Table
    from matplotlib.text import Text

    texts = list(fig.findobj(Text))
    for table in fig.findobj(Table):
        texts += [cell.get_text() for cell in table.get_celld().values()]
    return list(dict.fromkeys(texts))  # each artist once, in drawing order


def translate_figure(fig: Any, lang: str) -> int:
    """Rewrite every text of ``fig`` in ``lang`` from the catalogue; returns how many texts changed.

    Tick labels are translated through their formatter (wrapped in one that translates what it
    returns), since matplotlib rewrites tick labels from the formatter whenever the figure is drawn.
    """
    if lang == "en":
        return 0
    if lang not in CATALOGUE:
        raise ValueError(f"no translations for language {lang!r}; languages: {', '.join(LANGUAGES)}")
    translated_formatter = _translated_formatter_class()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for get, put in ((axis.get_major_formatter, axis.set_major_formatter),
                             (axis.get_minor_formatter, axis.set_minor_formatter)):
                formatter = get()
                if not isinstance(formatter, translated_formatter):
                    put(translated_formatter(formatter, lang))
    changed = 0
    for text in figure_texts(fig):
        old = text.get_text()
        new = translate(old, lang)
        if new != old:
            text.set_text(new)
            changed += 1
    return changed


@functools.cache
def _translated_formatter_class() -> type:
    """The formatter class, built on first use so that importing this module does not import matplotlib."""
    from matplotlib.ticker import Formatter

    class TranslatedFormatter(Formatter):
        """A tick formatter whose labels are translated (numbers pass through unchanged)."""

        def __init__(self, inner: Any, lang: str) -> None:
            self.inner, self.lang = inner, lang

        def set_axis(self, axis: Any) -> None:
            super().set_axis(axis)
            self.inner.set_axis(axis)

        def __call__(self, x: float, pos: int | None = None) -> str:
            return translate(str(self.inner(x, pos)), self.lang)

        def format_ticks(self, values: Any) -> list[str]:
            return [translate(str(label), self.lang) for label in self.inner.format_ticks(values)]

        def set_locs(self, locs: Any) -> None:
            self.inner.set_locs(locs)

        def get_offset(self) -> str:
            return self.inner.get_offset()

    return TranslatedFormatter


def untranslated(fig: Any, lang: str) -> list[str]:
    """The texts of ``fig`` that have no translation into ``lang`` (numbers and single letters aside)."""
    missing = []
    for text in figure_texts(fig):
        value = text.get_text()
        if not value.strip() or re.fullmatch(r"[\s\d.,%−\-–+×/()=<>γa-f]*", value):
            continue
        if translate(value, lang) == value and _lookup(value, lang) is None:
            missing.append(value)
    return missing

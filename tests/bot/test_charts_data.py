"""Charts plot exactly the answer they belong to, and are readable on a phone (issue #15
defects 1 and 2): the ChartData attached to each chart image is compared with the answer's own
table as a person reads it, in English and Russian, on SQLite and PostgreSQL; every chart kind
is drawn and its tick labels must not overlap, its title must fit."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure
from sqlalchemy import Engine

from bot.charts import figure
from bot.messages import ChartData, ChartSeries, Table
from bot.views import money
from storage.demo import DemoSummary, build_demo
from tests.bot.chat_driver import Chat
from tests.conftest import fresh_database
from tests.storage.demo_fixture import TODAY
from tests.storage.demo_fixture import demo as demo  # noqa: F401 - the shared fixture
from tests.storage.demo_fixture import demo_backend as demo_backend  # noqa: F401
from tests.storage.demo_fixture import demo_ru as demo_ru  # noqa: F401 - the shared fixture


def _spend_column(table: Table, header: str) -> list[str]:
    i = next(i for i, c in enumerate(table.columns) if c.startswith(header))
    return [row[i] for row in table.rows]


@pytest.mark.parametrize(
    ("language", "answer", "chart_word", "chart_button", "spend_header"),
    [
        ("en", "vip Moscow spend by manager", "chart", "Chart", "spend"),
        ("en", "spend by city this year", "chart", "Chart", "spend"),
        ("ru", "выручка по городам в этом году", "график", "График", "выручка"),
        ("ru", "vip Москва выручка по менеджерам", "график", "График", "выручка"),
    ],
)
def test_a_grouped_spend_chart_plots_the_answers_spend_per_group(
    demo: tuple[Engine, DemoSummary],
    demo_ru: tuple[Engine, DemoSummary],
    language: str,
    answer: str,
    chart_word: str,
    chart_button: str,
    spend_header: str,
) -> None:
    chat = Chat(
        (demo if language == "en" else demo_ru)[0], TODAY, language=language, currency="RUB"
    )
    chat.say(answer)
    table = chat.table()
    groups = [row[0] for row in table.rows]
    spend = _spend_column(table, spend_header)
    assert len(groups) >= 2
    for chart in (chat.say(f"{chart_word} {answer}") and chat.chart(), None):
        if chart is None:  # then the Chart button under the answer
            chat.say(answer)
            chat.press(chart_button)
            chart = chat.chart()
        assert chart.kind == "bars" and chart.categories == tuple(groups)
        assert [money(v, "RUB", language) for v in chart.series[0].values] == spend
        assert chart.unit == "RUB" and chart.value_axis.endswith(", RUB")


@pytest.mark.parametrize(
    ("language", "answer", "chart_word", "column"),
    [
        ("en", "top 10 customers by spend this year", "chart", "spend"),
        ("en", "top 5 Moscow customers by orders this year", "chart", "orders"),
        ("ru", "топ 10 клиентов по выручке в этом году", "график", "выручка"),
    ],
)
def test_a_top_n_chart_is_n_bars_of_the_answers_customers(
    demo: tuple[Engine, DemoSummary],
    demo_ru: tuple[Engine, DemoSummary],
    language: str,
    answer: str,
    chart_word: str,
    column: str,
) -> None:
    chat = Chat(
        (demo if language == "en" else demo_ru)[0], TODAY, language=language, currency="RUB"
    )
    chat.say(answer)
    table = chat.table()
    n = int(answer.split()[1])
    assert len(table.rows) == n
    name_col = 1
    chart = chat.say(f"{chart_word} {answer}") and chat.chart()
    assert chart.kind == "bars" and len(chart.categories) == n
    assert list(chart.categories) == [row[name_col] for row in table.rows]
    values = chart.series[0].values
    assert list(values) == sorted(values, reverse=True)
    if column == "orders":
        assert [int(v) for v in values] == [int(x) for x in _spend_column(table, column)]
    else:
        assert [money(v, "RUB", language) for v in values] == _spend_column(table, column)


def test_a_count_grouping_plots_customers(demo: tuple[Engine, DemoSummary]) -> None:
    chat = Chat(demo[0], TODAY, language="en", currency="RUB")
    chat.say("customers by city")
    table = chat.table()
    chart = chat.say("chart customers by city") and chat.chart()
    assert chart.categories == tuple(r[0] for r in table.rows)[: len(chart.categories)]
    assert [str(int(v)) for v in chart.series[0].values] == [
        r[1] for r in table.rows[: len(chart.categories)]
    ]
    assert chart.unit == "" and chart.value_axis == "customers"


def test_spend_by_month_names_the_currency_and_every_month(
    demo: tuple[Engine, DemoSummary],
) -> None:
    chat = Chat(demo[0], TODAY, language="en", currency="RUB")
    chart = chat.say("chart Moscow buyers of Super Drill this year") and chat.chart()
    assert chart.kind == "columns" and chart.categories[0] == "Jan 2026"
    assert chart.categories[-1] == "Nov 2026" and len(chart.categories) == 11
    assert chart.value_axis == "net spend, RUB" and sum(chart.series[0].values) > 0


# --- readable at phone size --------------------------------------------------------------


def _overlaps(fig: Figure) -> list[tuple[str, str]]:
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    bad = []
    for ax in fig.axes:
        for labels in (ax.get_xticklabels(), ax.get_yticklabels()):
            shown = [t for t in labels if t.get_visible() and t.get_text()]
            boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in shown]
            bad += [(a, b) for (a, ba), (b, bb) in combinations(boxes, 2) if ba.overlaps(bb)]
    return bad


def _title_fits(fig: Figure) -> bool:
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    box = fig._suptitle.get_window_extent(renderer)  # type: ignore[union-attr]
    whole = fig.bbox
    return whole.x0 <= box.x0 and box.x1 <= whole.x1 and whole.y0 <= box.y0 and box.y1 <= whole.y1


CHARTS = {
    "en": [
        "chart vip Moscow spend by manager",
        "chart spend by city this year",
        "chart customers by industry",
        "chart top 10 customers by spend this year",
        "chart top 10 customers by last purchase",
        "chart Moscow buyers of Super Drill over 40k last quarter, manager Ivanov",
        "chart Moscow buyers of Super Drill",
        "chart abc",
        "chart rfm",
    ],
    "ru": [
        "график выручка по городам в этом году",
        "график топ 10 клиентов по выручке в этом году",
        "график клиенты из Москвы, купившие Супер дрель",
        "график abc",
        "график rfm",
    ],
}


@pytest.mark.parametrize("language", ["en", "ru"])
def test_every_chart_kind_is_readable_at_phone_size(tmp_path: Path, language: str) -> None:
    """Drawing does not depend on the database: the demo on SQLite, with its classes computed."""
    from analytics.classes import compute_classes

    with fresh_database("sqlite", tmp_path) as engine:
        build_demo(engine, today=TODAY, lang=language)
        with engine.begin() as conn:
            compute_classes(conn, today=TODAY)
        chat = Chat(engine, TODAY, language=language, currency="RUB")
        kinds = set()
        for text in CHARTS[language]:
            chart = chat.say(text) and chat.chart()
            kinds.add(chart.kind)
            fig = figure(chart, language)
            assert _overlaps(fig) == [], text
            assert _title_fits(fig), text
            assert fig.get_figwidth() <= 6.5
            plt.close(fig)
    assert kinds == {"bars", "columns", "curve", "grid"}


def test_long_titles_and_labels_still_fit() -> None:
    long = "customers · " + " · ".join(f"condition number {i} = something long" for i in range(9))
    names = tuple(f"A very long customer name number {i} with a suffix LLC" for i in range(30))
    chart = ChartData(
        "bars",
        long,
        "customer",
        "net spend, RUB",
        names,
        (ChartSeries("net spend", tuple(987_654_321_098.0 / 3**i for i in range(30))),),
        unit="RUB",
    )
    months = ChartData(
        "columns",
        long,
        "month",
        "net spend, RUB",
        tuple(f"Jan {2000 + i}" for i in range(40)),
        (ChartSeries("net spend", tuple(1e6 * i for i in range(40))),),
        unit="RUB",
    )
    for c in (chart, months):
        fig = figure(c, "ru")
        assert _overlaps(fig) == [] and _title_fits(fig)
        plt.close(fig)

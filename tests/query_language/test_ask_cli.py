"""``custbot ask``: JSON answers, groups, and exit status 2 with a pointed error."""

from __future__ import annotations

import json

import pytest

from custbot.cli import main

from .conftest import load_mini


@pytest.fixture
def url(engine) -> str:  # type: ignore[no-untyped-def]
    load_mini(engine)
    return engine.url.render_as_string(hide_password=False)


def _ask(capsys, url: str, *args: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    status = main(["--db", url, "--as-of", "2026-11-22", "ask", *args])
    out = capsys.readouterr()
    return status, out.out, out.err


def test_json_answer(capsys, url: str) -> None:  # type: ignore[no-untyped-def]
    status, out, _err = _ask(
        capsys, url, "--json", "Moscow buyers of Super Drill over 40k last quarter"
    )
    assert status == 0
    data = json.loads(out)
    assert data["count"] == 1
    assert data["interpretation"].startswith("customers · city = Moscow · bought Super Drill")
    row = data["customers"][0]
    assert row["external_id"] == "C1" and row["name"] == "Romashka"
    assert (
        row["last_purchase"] == "2026-09-30" and row["spend"] == 53000.0
    )  # everything bought in the period


def test_json_all_and_groups(capsys, url: str) -> None:  # type: ignore[no-untyped-def]
    status, out, _ = _ask(capsys, url, "--json", "--all", "list")
    assert status == 0 and len(json.loads(out)["customers"]) == 4
    status, out, _ = _ask(capsys, url, "--json", "count by city")
    data = json.loads(out)
    assert set(data) == {"groups", "interpretation"}
    assert {g["key"]: g["count"] for g in data["groups"]} == {"Moscow": 2, "Kazan": 1, "Berlin": 1}


def test_json_error_exits_2(capsys, url: str) -> None:  # type: ignore[no-untyped-def]
    status, out, _ = _ask(capsys, url, "--json", "Moskow buyers")
    assert status == 2
    data = json.loads(out)
    assert data["position"] == [0, 6] and data["suggestions"][0] == "Moscow" and data["error"]


def test_plain_answer_and_error(capsys, url: str) -> None:  # type: ignore[no-untyped-def]
    status, out, _ = _ask(capsys, url, "vip")
    assert status == 0 and "customers · tag = vip → 2" in out and "Romashka" in out
    status, _out, err = _ask(capsys, url, "buyers of Super Dril")
    assert status == 2 and "^^^" in err and "Super Drill" in err


def test_plain_groups_name_their_columns(capsys, url: str) -> None:  # type: ignore[no-untyped-def]
    """The terminal's grouped answer has the chat's columns: the dimension, customers, spend
    and the measure by name, not 'group'."""
    status, out, _ = _ask(capsys, url, "average order value by city")
    assert status == 0
    head = out.splitlines()[2]  # the echo, the table's top border, its header
    for title in ("city", "customers", "spend, all time", "orders", "average order value"):
        assert title in head, (title, head)
    assert "group" not in out

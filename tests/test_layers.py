"""The layers of docs/architecture.md hold in the code's own imports.

The contracts live in pyproject.toml (``[tool.importlinter]``, also run by ``lint-imports``);
this test runs them and checks that the documentation's "may import" table says the same.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("storage", "query_language", "analytics", "mailing", "bot", "custbot")


def _contracts() -> list[dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return list(config["tool"]["importlinter"]["contracts"])


def _allowed_by_contract() -> dict[str, set[str]]:
    """Each package and the packages it may import: every layer below its own."""
    [layers] = [c["layers"] for c in _contracts() if c["type"] == "layers"]
    assert isinstance(layers, list)
    stacked = [[p.strip() for p in layer.split("|")] for layer in layers]
    return {
        package: {p for lower in stacked[i + 1 :] for p in lower}
        for i, layer in enumerate(stacked)
        for package in layer
    }


def _allowed_by_docs() -> dict[str, set[str]]:
    """The "may import" column of docs/architecture.md's table of packages."""
    allowed: dict[str, set[str]] = {}
    rows = re.findall(
        r"^\| `(\w+)/` \| [^|]+ \| ([^|]+) \|$",
        (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8"),
        re.M,
    )
    for package, may_import in rows:
        if may_import.strip() == "everything":
            allowed[package] = set(PACKAGES) - {package}
        elif may_import.startswith("nothing of ours"):
            allowed[package] = set()
        elif may_import.startswith("all of the above"):
            allowed[package] = set(PACKAGES[: PACKAGES.index(package)])
        else:
            allowed[package] = set(re.findall(r"`(\w+)`", may_import))
    return allowed


def test_the_docs_table_says_what_the_contract_enforces() -> None:
    assert _allowed_by_docs() == _allowed_by_contract()
    assert set(_allowed_by_contract()) == set(PACKAGES)


@pytest.mark.parametrize("contract", [str(c["id"]) for c in _contracts()])
def test_the_code_keeps_the_contract(contract: str, capsys: pytest.CaptureFixture[str]) -> None:
    status = lint_imports(
        config_filename=str(ROOT / "pyproject.toml"),
        limit_to_contracts=(contract,),
        no_cache=True,
        no_logo=True,
    )
    report = capsys.readouterr().out
    assert status == 0, report  # the report names each import that runs the wrong way
    assert "1 kept, 0 broken" in report

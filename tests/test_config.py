"""Configuration loads, validates with clear messages, and the example documents every key."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from custbot.config import ConfigError, Settings, load_settings

EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.toml"


def test_the_example_loads_and_is_the_defaults() -> None:
    assert load_settings(EXAMPLE) == Settings()


def _keys(model: object, prefix: str = "") -> set[str]:
    out: set[str] = set()
    for name in type(model).model_fields:  # type: ignore[attr-defined]
        value = getattr(model, name)
        if hasattr(type(value), "model_fields"):
            out |= _keys(value, f"{prefix}{name}.")
        else:
            out.add(f"{prefix}{name}")
    return out


def test_the_example_documents_every_setting() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    for key in _keys(Settings()):
        leaf = key.split(".")[-1]
        assert f"{leaf} =" in text or f"# {leaf} =" in text or f"[{key}]" in text, (
            f"{key} is not in config.example.toml"
        )


@pytest.mark.parametrize(
    "toml, message",
    [
        ('timezone = "Mars/Olympus"', "timezone: Value error, must be an IANA time zone"),
        ('[access]\nscope = "team"', "access.scope: Input should be 'own' or 'all'"),
        ("[bulk]\nrow_cap = 0", "bulk.row_cap: Input should be greater than or equal to 1"),
        ("[smtp]\nprot = 25", "smtp.prot: unknown setting"),
        (
            '[[users]]\nname = "X"\nslack = "U1"',
            "users.0.slack: Value error, must be 'TEAM_ID:USER_ID'",
        ),
        ("[classes]\nabc_thresholds = [0.95, 0.8]", "abc_thresholds must be two increasing"),
        ('[rating.rules]\nD = "vip"', "rule names must be A, B or C"),
        ("this is = not toml", "not valid TOML"),
    ],
)
def test_bad_values_name_the_key_and_what_is_allowed(
    tmp_path: Path, toml: str, message: str
) -> None:
    path = tmp_path / "custbot.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_settings(path)
    assert message in str(e.value) and str(path) in str(e.value)


def test_secrets_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    s = Settings()
    monkeypatch.setenv("CUSTBOT_TELEGRAM_TOKEN", "123:abc")
    assert s.secret(s.telegram.token_env) == "123:abc"
    assert "token" not in tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))["telegram"]

import re

import pytest
from pydantic import ValidationError

from rag.config import Settings

from tests.paths import ROOT


def _env_names(settings_cls=Settings) -> set[str]:
    names = set()
    for name, field in settings_cls.model_fields.items():
        alias = field.validation_alias
        names.add(alias.choices[0] if alias is not None else f"RAG_{name.upper()}")
    return names


def test_env_example_documents_every_setting_with_a_comment():
    text = (ROOT / ".env.example").read_text()
    listed = re.findall(r"^([A-Z_]+)=", text, re.M)
    assert set(listed) == _env_names()
    for name in listed:  # the line above each variable (or its group) is a comment
        before = text[: text.index(f"\n{name}=")].rstrip().splitlines()[-1]
        assert before.startswith("#") or re.match(r"^[A-Z_]+=", before)


def test_env_example_itself_is_valid(monkeypatch):
    for name in _env_names():
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=ROOT / ".env.example")
    assert settings.chroma_host is None and settings.openai_base_url is None
    assert settings.resolved_answer_mode() == "extractive"


def test_environment_overrides_and_auto_mode(monkeypatch):
    monkeypatch.setenv("RAG_TOP_K", "7")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("RAG_LLM_MODEL", "m")
    monkeypatch.setenv("GRADIO_SERVER_PORT", "7999")
    settings = Settings(_env_file=None)
    assert (settings.top_k, settings.port, settings.resolved_answer_mode()) == (7, 7999, "llm")
    assert Settings(_env_file=None, answer_mode="extractive").resolved_answer_mode() == "extractive"


@pytest.mark.parametrize("bad", [{"top_k": 0}, {"answer_mode": "magic"}, {"port": 70000}, {"min_support": 2}])
def test_invalid_values_are_rejected_in_one_place(bad):
    with pytest.raises(ValidationError):
        Settings(_env_file=None, **bad)


def test_defaults_bind_to_loopback(monkeypatch):
    monkeypatch.delenv("GRADIO_SERVER_NAME", raising=False)
    assert Settings(_env_file=None).host == "127.0.0.1"

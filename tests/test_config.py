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


@pytest.mark.parametrize("bad", [{"top_k": 0}, {"answer_mode": "magic"}, {"port": 70000}, {"answer_threshold": 2}])
def test_invalid_values_are_rejected_in_one_place(bad):
    with pytest.raises(ValidationError):
        Settings(_env_file=None, **bad)


def test_defaults_bind_to_loopback(monkeypatch):
    monkeypatch.delenv("GRADIO_SERVER_NAME", raising=False)
    assert Settings(_env_file=None).host == "127.0.0.1"


def test_a_developers_env_file_is_not_read_by_the_tests(tmp_path, monkeypatch):
    # .env.example invites developers to put an endpoint in .env; the suite must not pick it up
    # (tests/conftest.py empties RAG_ENV_FILE and the RAG_/OPENAI_/GRADIO_ variables).
    (tmp_path / ".env").write_text("OPENAI_BASE_URL=http://127.0.0.1:9/v1\nRAG_LLM_MODEL=m\nRAG_TOP_K=9\n")
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert not settings.llm_configured() and settings.top_k == 5


def test_rag_env_file_names_the_file_to_read(tmp_path):
    import subprocess
    import sys

    (tmp_path / "my.env").write_text("RAG_TOP_K=9\n")
    probe = "from rag.config import Settings; print(Settings().top_k)"
    run = lambda env_file: subprocess.run(  # noqa: E731
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True,
        env={"PATH": "/usr/bin:/bin", "RAG_ENV_FILE": env_file},
    ).stdout.strip()
    assert run(str(tmp_path / "my.env")) == "9"
    assert run("") == "5"

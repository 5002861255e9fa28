"""rag.hooks: named kill points for tests, inert unless a test sets them."""

import io

import pytest

from rag import hooks


def test_points_do_nothing_without_a_handler(monkeypatch):
    monkeypatch.setattr(hooks, "handler", None)
    for name in hooks.POINTS:
        hooks.point(name)


def test_pause_at_the_nth_arrival_prints_then_waits_for_stdin_to_close(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # already closed: the pause returns at once
    pause = hooks.pause_at("commit:2")
    pause("embed")
    pause("commit")
    assert capsys.readouterr().out == ""
    pause("commit")
    assert capsys.readouterr().out == "rag-test-paused-at commit\n"
    pause("commit")
    assert capsys.readouterr().out == ""


def test_an_unknown_point_is_refused():
    with pytest.raises(ValueError, match="unknown point"):
        hooks.pause_at("somewhere")

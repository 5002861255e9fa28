"""The runnable examples in the docstrings of rag/ stay true."""

import doctest
import importlib
import pkgutil

import pytest

import rag

MODULES = sorted(m.name for m in pkgutil.iter_modules(rag.__path__, "rag."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0

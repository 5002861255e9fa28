"""Errors a user can cause and fix, all under `NewsragError`. Each message is one line that says what
to do; the CLI prints it and exits with status 2, the page shows it."""


class NewsragError(Exception):
    """Base class: the CLI prints `str(error)` and exits with status 2."""


class InvalidQuestion(NewsragError, ValueError):
    pass


class CorpusNotFound(NewsragError, FileNotFoundError):
    pass


class UnknownSource(NewsragError, KeyError):
    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class IndexNotReady(NewsragError, RuntimeError):
    pass


class DocumentError(NewsragError, ValueError):
    """A file that cannot be ingested; str(e) is a short reason for the user."""


class LLMError(NewsragError, RuntimeError):
    """The model endpoint failed; the message is one user-facing line."""


class IndexBusy(NewsragError, RuntimeError):
    """Another process has the index open in a way that excludes this use (rag.lock): the message
    names it and says how to share an index between processes."""

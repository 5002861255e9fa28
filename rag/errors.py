"""Errors a user can cause and fix. Each message is one line that says what to do."""


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

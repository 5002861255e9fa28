"""newsrag: ask questions of a news collection and get answers that cite exact article spans.

>>> from rag import Engine   # doctest: +SKIP
"""

from rag.offline import apply_offline_environment

apply_offline_environment()  # before any library that phones home is imported

from rag.documents import SUPPORTED_SUFFIXES  # noqa: E402
from rag.engine import Engine  # noqa: E402
from rag.errors import NewsragError  # noqa: E402
from rag.schema import Answer, Article, ArticleInfo, Chunk, Citation, IngestReport, Passage, Span  # noqa: E402

__all__ = [
    "Engine", "NewsragError", "SUPPORTED_SUFFIXES",
    "Answer", "Article", "ArticleInfo", "Chunk", "Citation", "IngestReport", "Passage", "Span",
]

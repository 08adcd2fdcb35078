"""``/3/articles``: articles."""

from __future__ import annotations

from fortnox_bridge.fortnox.models.article import Article, ArticleListItem
from fortnox_bridge.fortnox.resources.base import Resource, describe


class ArticleResource(Resource[Article, ArticleListItem]):
    """Article operations."""

    description = describe("article")
    model = Article
    list_model = ArticleListItem

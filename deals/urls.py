"""URLs of the deals app: its API (pages come with the portal screens of accounts)."""

from deals.api import api_urls

__all__ = ["api_urls"]

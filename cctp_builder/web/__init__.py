"""The web page and HTTP API of cctp_builder (optional extra ``cctp-builder[web]``)."""

from .app import application, create_app

__all__ = ["application", "create_app"]

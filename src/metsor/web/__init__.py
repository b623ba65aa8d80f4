"""The site web application: login, screening, randomization and the JSON API.

Build it with :func:`create_app` (``metsor serve`` runs it under uvicorn). Every write goes
through :mod:`metsor.services`, one audited transaction each; the web adds no rule of its own.
"""

from metsor.web.app import create_app
from metsor.web.settings import WebSettings

__all__ = ["WebSettings", "create_app"]

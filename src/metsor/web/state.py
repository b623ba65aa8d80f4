"""What the application holds while it runs: the database, the idle tracker, the templates."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi.templating import Jinja2Templates

from metsor.services.context import Database
from metsor.web.security import IdleTracker
from metsor.web.settings import WebSettings

__all__ = ["STATIC_DIR", "TEMPLATES_DIR", "WebState"]

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


@dataclass(frozen=True)
class WebState:
    """The running application's resources (``app.state.metsor``)."""

    settings: WebSettings
    database: Database
    idle: IdleTracker
    templates: Jinja2Templates

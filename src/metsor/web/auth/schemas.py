"""JSON shapes of the authentication API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

__all__ = ["Token"]


class Token(BaseModel):
    """An access token: send it as ``Authorization: Bearer <access_token>``."""

    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    username: str

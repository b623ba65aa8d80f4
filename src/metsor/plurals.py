"""A count with its noun, singular or plural as the count asks ("1 subject", "2 subjects").

Every message that counts something names it through :func:`counted`, so that no text says
"1 subjects" or "1 days". Used by every layer (like :mod:`metsor.errors`); it depends on
nothing.
"""

from __future__ import annotations

__all__ = ["counted"]


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """``count`` and the noun in the number it asks for.

    Parameters
    ----------
    count
        How many.
    singular
        The noun for one ("day", "query").
    plural
        The noun for any other count, when it is not the singular with an "s"
        ("queries").

    Returns
    -------
    str
        ``"1 day"``, ``"0 days"``, ``"2 queries"``; counts of a thousand and more with
        thousands separators (``"56,272 field changes"``).

    Examples
    --------
    >>> counted(1, "subject"), counted(3, "query", "queries"), counted(-1, "day")
    ('1 subject', '3 queries', '-1 day')
    """
    noun = singular if abs(count) == 1 else (plural or f"{singular}s")
    return f"{count:,} {noun}"

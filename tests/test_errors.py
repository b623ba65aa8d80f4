"""Domain errors: messages of readable length, unprintable characters escaped, ValueError."""

from __future__ import annotations

import pytest

from metsor.errors import (
    MESSAGE_CHARACTERS,
    SHOWN_CHARACTERS,
    ConflictError,
    InputError,
    MetsorError,
    readable,
    shown,
)


def test_an_input_error_is_also_a_value_error():
    with pytest.raises(ValueError, match="bad"):
        raise InputError("bad", field="x")
    assert not issubclass(ConflictError, ValueError)


def test_a_value_of_a_megabyte_is_shown_cut_with_its_length():
    message = str(InputError(f"sex must be male or female, got {'x' * 1_000_000!r}", field="sex"))
    assert len(message) < 200
    assert message == (
        "field 'sex': sex must be male or female, got '"
        + "x" * (SHOWN_CHARACTERS - 1)
        + "… (1,000,002 characters)"
    )


def test_words_are_kept_and_a_long_message_is_cut_saying_how_long():
    words = " ".join(["eligible"] * 400)  # 3,599 characters of short words
    message = readable(words)
    assert message.startswith("eligible eligible")
    assert message.endswith("… (3,599 characters)")
    assert len(message) == MESSAGE_CHARACTERS + len("… (3,599 characters)")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("red \x1b[31m text", "red \\x1b[31m text", id="terminal-escape"),
        pytest.param("nul \x00", "nul \\x00", id="nul"),
        pytest.param("byte \udcff", "byte \\xff", id="undecodable-byte"),
        pytest.param("surrogate \ud800", "surrogate \\ud800", id="lone-surrogate"),
        pytest.param("two\nlines\tand a tab", "two\nlines\tand a tab", id="newline-and-tab-kept"),
        pytest.param("µmol/L ≥ 1.73 m²", "µmol/L ≥ 1.73 m²", id="unicode-kept"),
    ],
)
def test_unprintable_characters_are_escaped(text, expected):
    assert readable(text) == expected


def test_the_field_is_cut_too():
    error = MetsorError("unknown key", field="k" * 500)
    assert error.field is not None
    assert error.field.endswith("… (500 characters)")
    assert len(error.field) == SHOWN_CHARACTERS + len("… (500 characters)")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("short", "'short'", id="short-text"),
        pytest.param(12, "12", id="number"),
        pytest.param("y" * 100, "'" + "y" * 79 + "… (100 characters)", id="long-text"),
        pytest.param(10**100, "1" + "0" * 79 + "… (101 characters)", id="long-number"),
    ],
)
def test_shown_quotes_a_value_cut_to_its_first_characters(value, expected):
    assert shown(value) == expected

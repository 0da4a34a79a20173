"""Wrapping text to a width: at spaces, and inside a word too long for the line (an e-mail
address, a long name without spaces), so nothing ever runs off the paper."""

from __future__ import annotations

import functools

from desk_app.receipts.fonts import width


def _cut(word: str, font: str, size: float, room: float) -> list[str]:
    """A word wider than `room`, cut into pieces that fit."""
    pieces, current = [], ""
    for ch in word:
        if current and width(current + ch, font, size) > room:
            pieces.append(current)
            current = ch
        else:
            current += ch
    if current:
        pieces.append(current)
    return pieces


def wrap(text: str, font: str, size: float, room: float) -> list[str]:
    """`text` as lines no wider than `room` points (its own line breaks kept)."""
    return list(_wrap(str(text), font, size, room))


@functools.lru_cache(maxsize=4096)  # a register repeats its channels, categories and agencies
def _wrap(text: str, font: str, size: float, room: float) -> tuple[str, ...]:
    lines: list[str] = []
    for paragraph in str(text).splitlines() or [""]:
        current = ""
        for word in paragraph.split():
            trial = f"{current} {word}" if current else word
            if width(trial, font, size) <= room:
                current = trial
                continue
            if current:
                lines.append(current)
            if width(word, font, size) <= room:
                current = word
            else:
                *done, current = _cut(word, font, size, room)
                lines.extend(done)
        lines.append(current)
    return tuple(lines)


def fit_size(text: str, font: str, size: float, room: float) -> float:
    """`size`, or smaller so that `text` fits on one line of `room` points."""
    needed = width(text, font, size)
    return size if needed <= room else size * room / needed

"""Small-count suppression for anything public.

A count from 1 to 4 is suppressed (primary). So is any figure from which it could be recovered:
where a total and its parts are all published, one hidden cell could be recovered by subtraction,
so a second cell is hidden too (secondary); a rate is hidden when its numerator, its denominator or
their difference is small, or either is hidden. Zero is published: it identifies nobody.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.conf import settings


def is_small(value: int) -> bool:
    return 0 < value < settings.REPORTS_SUPPRESS_BELOW


@dataclass(frozen=True)
class Rules:
    # (total, parts): the parts add up to the total, and all of them are published.
    partitions: Sequence[tuple[str, Sequence[str]]] = ()
    # (rate, numerator, denominator): the counts may be published or internal.
    rates: Sequence[tuple[str, str, str]] = ()
    # (median, how many values it is the median of).
    medians: Sequence[tuple[str, str]] = ()
    counts: Sequence[str] = field(default=())


def suppressed_keys(values: Mapping[str, int | float | None], rules: Rules) -> set[str]:
    """The keys of ``values`` that must not be published."""
    counts = set(rules.counts) | {k for total, parts in rules.partitions for k in (total, *parts)}
    hidden = {k for k in counts if is_small(int(values[k] or 0))}
    changed = True
    while changed:
        changed = False
        for total, parts in rules.partitions:
            cells = [total, *parts]
            if len([c for c in cells if c in hidden]) != 1:
                continue
            # Exactly one hidden cell is recoverable from the others: hide the smallest non-zero part
            # left, or the total if no such part remains.
            candidates = sorted((int(values[p] or 0), p) for p in parts if p not in hidden and values[p])
            hidden.add(candidates[0][1] if candidates else total)
            changed = True
    for rate, numerator, denominator in rules.rates:
        num, den = int(values[numerator] or 0), int(values[denominator] or 0)
        if numerator in hidden or denominator in hidden or is_small(num) or is_small(den) or is_small(den - num):
            hidden.add(rate)
    for median, count in rules.medians:
        if is_small(int(values[count] or 0)) or count in hidden:
            hidden.add(median)
    return hidden

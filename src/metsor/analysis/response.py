"""Objective response compared between two arms, as frozen results.

Per arm: responders, patients and the rate with its Clopper–Pearson exact interval. Between
arms: the difference (experimental − reference) with Newcombe's hybrid score interval, the
conditional maximum-likelihood odds ratio with its exact interval, and Fisher's exact test,
as R's ``fisher.test``. An arm without patients leaves the comparison ``None`` with the reason
in :attr:`ResponseComparison.warnings`.

References
----------
Clopper CJ, Pearson ES. Biometrika 1934;26:404–413. Newcombe RG. Stat Med 1998;17:873–890.
Fisher RA. JRSS 1922;85:87–94.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from metsor import stats
from metsor.errors import InputError

__all__ = ["ArmResponse", "ResponseComparison", "compare_response"]


@dataclass(frozen=True)
class ArmResponse:
    """One arm's response rate with its Clopper–Pearson interval."""

    arm: str
    responders: int
    n: int
    rate: float
    lower: float
    upper: float


@dataclass(frozen=True)
class ResponseComparison:
    """Response by one criterion compared between two arms."""

    criterion: str
    reference: str
    experimental: str
    arms: dict[str, ArmResponse]
    difference: stats.RateDifference | None
    fisher: stats.FisherExact | None
    warnings: tuple[str, ...]


def compare_response(
    responder: Sequence[int],
    arm: Sequence[str],
    *,
    reference: str,
    experimental: str,
    criterion: str = "",
    conf_level: float = 0.95,
) -> ResponseComparison:
    """Compare response rates between two arms.

    Parameters
    ----------
    responder
        1 for a responder, 0 otherwise, one per patient.
    arm
        The arm of each patient; patients of other arms are left out.
    reference, experimental
        The two arms compared.
    criterion
        The response criterion's name (mRECIST, RECIST 1.1), carried into the result.
    conf_level
        Level of every interval.

    Returns
    -------
    ResponseComparison

    Raises
    ------
    InputError
        If the sequences differ in length, the arms are the same, or a value is not 0 or 1.

    References
    ----------
    See the module docstring.
    """
    if reference == experimental:
        raise InputError("the reference and experimental arms must differ", field="experimental")
    if len(responder) != len(arm):
        raise InputError("responder and arm must be one value per patient", field="arm")
    counts = {reference: [0, 0], experimental: [0, 0]}
    for value, level in zip(responder, arm, strict=True):
        if level not in counts:
            continue
        if value not in (0, 1):
            raise InputError(f"a response is 0 or 1, not {value!r}", field="responder")
        counts[level][0] += int(value)
        counts[level][1] += 1
    warnings: list[str] = []
    arms: dict[str, ArmResponse] = {}
    for level, (x, n) in counts.items():
        if n == 0:
            warnings.append(f"arm {level!r} has no patients")
            continue
        estimate = stats.clopper_pearson(x, n, conf_level=conf_level)
        arms[level] = ArmResponse(level, x, n, estimate.rate, estimate.lower, estimate.upper)
    difference = fisher = None
    if len(arms) == 2:
        (x1, n1), (x2, n2) = counts[experimental], counts[reference]
        difference = stats.newcombe_difference(x1, n1, x2, n2, conf_level=conf_level)
        fisher = stats.fisher_exact(x1, n1, x2, n2, conf_level=conf_level)
        if x1 + x2 == 0:
            warnings.append(f"no responders{' by ' + criterion if criterion else ''} in either arm")
    return ResponseComparison(
        criterion=criterion,
        reference=reference,
        experimental=experimental,
        arms=arms,
        difference=difference,
        fisher=fisher,
        warnings=tuple(warnings),
    )

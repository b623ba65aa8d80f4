"""Where virtual candidates are recruited: the protocol's sites, region by region.

A trial stratified by region fills that stratum from where its patients came. When the
candidates' population states the share recruited in each region
(:attr:`metsor.insilico.population.BaselinePopulation.region`) and the protocol has more than one
site, each candidate's region is drawn from those shares and their site uniformly among the
protocol's sites in that region (:func:`draw_sites`); the screening record then carries that
site's region (:func:`region_of_site`). Otherwise every candidate comes to the first site, as
before, and nothing is drawn (the same generator state gives the same trial).

A site's region is read from its country (:data:`REGIONS`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from metsor.insilico.population import BaselinePopulation
from metsor.protocol import Protocol

__all__ = ["REGIONS", "draw_sites", "region_of_site"]

REGIONS: dict[str, str] = {
    "australia": "australasia",
    "canada": "north_america",
    "china": "asia_pacific",
    "france": "europe",
    "germany": "europe",
    "italy": "europe",
    "japan": "asia_pacific",
    "korea, republic of": "asia_pacific",
    "new zealand": "australasia",
    "spain": "europe",
    "taiwan": "asia_pacific",
    "united kingdom": "europe",
    "united states": "north_america",
}
"""The geographic region (the screening record's ``region``) of a site's country."""


def region_of_site(protocol: Protocol, site: int = 0) -> str:
    """The region of the protocol's site number ``site`` (``other`` for an unlisted country)."""
    country = (protocol.sites[site].country or "") if protocol.sites else ""
    return REGIONS.get(country.casefold(), "other")


def draw_sites(
    n: int,
    rng: np.random.Generator,
    protocol: Protocol,
    population: BaselinePopulation | None = None,
) -> NDArray[np.int64]:
    """The recruiting site of each of ``n`` candidates: an index into ``protocol.sites``.

    Parameters
    ----------
    n
        Number of candidates.
    rng
        Source of randomness (not drawn from when every candidate goes to the first site).
    protocol
        The trial's protocol, whose sites recruit.
    population
        The candidates' population; its ``region`` shares, where it has them, say how many
        come from each region.

    Returns
    -------
    ndarray of int
        Site of each candidate (all 0 for a protocol of one site or a population without
        regional shares).

    Raises
    ------
    ValueError
        When a region with a share has no site in the protocol.
    """
    shares = None if population is None else population.region
    if shares is None or len(protocol.sites) < 2:
        return np.zeros(n, dtype=np.int64)
    by_region: dict[str, list[int]] = {}
    for index in range(len(protocol.sites)):
        by_region.setdefault(region_of_site(protocol, index), []).append(index)
    missing = sorted(
        region for region, share in shares.items() if share > 0 and region not in by_region
    )
    if missing:
        raise ValueError(
            f"protocol {protocol.nct_id} has no site in {', '.join(missing)}, where the "
            f"population {population.trial if population else ''} recruits"
        )
    regions = list(shares)
    drawn = rng.choice(len(regions), size=n, p=[shares[region] for region in regions])
    within = rng.random(n)
    sites = np.empty(n, dtype=np.int64)
    for k, region in enumerate(regions):
        chosen = drawn == k
        options = np.array(by_region.get(region, [0]))
        sites[chosen] = options[np.floor(within[chosen] * len(options)).astype(np.int64)]
    return sites

"""Use cases of the trial: each one transaction, on behalf of one user, audited.

- :mod:`metsor.services.context` — ``Database``, ``ServiceContext``, ``unit_of_work``.
- :mod:`metsor.services.access` — roles, permissions and site isolation.
- :mod:`metsor.services.casebook` — visits, dosing, labs, adverse events, responses.
"""

__all__: list[str] = []

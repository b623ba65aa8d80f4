"""The in-silico trial: virtual METSOR patients through the very services a site uses.

- :mod:`metsor.insilico.trial` — :func:`run_virtual_trial`, the whole trial on one database.
- :mod:`metsor.insilico.recruitment` — candidates, screening days, outcomes under either arm.
- :mod:`metsor.insilico.baseline`, :mod:`~.course`, :mod:`~.toxicity`, :mod:`~.lesions` — a
  subject's course planned day by day (:mod:`~.plan`), pure data.
- :mod:`metsor.insilico.recording` — a day of the course entered through the casebook services.
- :mod:`metsor.insilico.analysis` — the analysis of the exported datasets.
"""

from metsor.insilico.result import ConsortFlow, VirtualTrialResult
from metsor.insilico.scenario import DEFAULT_SCENARIO, VirtualScenario
from metsor.insilico.trial import run_virtual_trial

__all__ = [
    "DEFAULT_SCENARIO",
    "ConsortFlow",
    "VirtualScenario",
    "VirtualTrialResult",
    "run_virtual_trial",
]

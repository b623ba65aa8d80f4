"""Files the trial hands to the world: the analysis datasets as CSV, the CDISC SDTM and ADaM
datasets as CSV and SAS transport v5 with define.xml, the registry results section, and the
de-identified individual participant data package.

The rules every SAS transport file keeps are checked before anything is written
(:mod:`~metsor.export.checks`); every statistic comes from :mod:`metsor.analysis`.
"""

from metsor.export.checks import check_dataset, check_spec
from metsor.export.datasets import export_datasets
from metsor.export.metadata import Dataset, DatasetSpec, Variable

__all__ = [
    "Dataset",
    "DatasetSpec",
    "Variable",
    "check_dataset",
    "check_spec",
    "export_datasets",
]

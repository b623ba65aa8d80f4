"""metsor: a randomized clinical trial, end to end.

The first trial it runs is NCT02672488 (METSOR): metformin plus sorafenib against
sorafenib alone in advanced hepatocellular carcinoma.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"

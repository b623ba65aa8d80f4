"""Dataset export downloads: SDTM, ADaM, de-identified IPD and the registry results section."""

"""Administration pages: the trial's sites and users (role ``admin``)."""

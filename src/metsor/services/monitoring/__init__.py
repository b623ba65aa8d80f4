"""Monitoring and sign-off: source data verification, electronic signatures, freezing and
locking, edit checks, and the audit trail as a report.

- :mod:`~.sdv`: SDV marks, the SDV plan (100% or targeted) and the monitor's worklist;
- :mod:`~.signatures`: 21 CFR Part 11 signatures linked to the signed rows by their digest;
- :mod:`~.locks`: freeze and lock of a subject, a site or the study;
- :mod:`~.edit_checks`: rules that raise and close data queries as the system user;
- :mod:`~.audit_export`: the whole trail, streamed;
- :mod:`~.guard`: the one check of the unit of work that refuses writes a freeze or a lock
  forbids, clears SDV marks and voids signatures on a change, and runs the edit checks on save.
"""

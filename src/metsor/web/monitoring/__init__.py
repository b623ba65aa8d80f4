"""Monitoring and sign-off on the web: SDV, signatures and the audit trail as a download."""

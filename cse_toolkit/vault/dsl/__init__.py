"""The DSL's rooms, one job each: the review queue (``queue``), sign-off (``signoff``),
figures for the dashboard and the network-meeting summary (``figures``), the audit trail
(``audit_view``) and retention (``retention``). ``vault.dsl_repo.DslRepository`` assembles them
into ``vault.dsl``."""

"""Actions and incidents: the child's Actions and Incidents tabs, "My actions", the incident
dialog (issue 18)."""

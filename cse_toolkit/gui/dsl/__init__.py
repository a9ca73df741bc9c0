"""The designated safeguarding lead's pages: review queue, sign-off, dashboard, audit, retention."""

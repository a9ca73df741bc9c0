"""Intelligence for the police: the reports, their editor and checks, and the connections."""

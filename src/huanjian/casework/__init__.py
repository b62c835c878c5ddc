"""Regulate–monitor–enforce linkage (三监联动): cases from intake to closure, assignment
checks (recusal, qualification), supervision orders, inspection records, evidence packages."""

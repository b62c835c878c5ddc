"""Enforcement monitoring in the field (现场监测, issue 8).

Sub-packages:

* :mod:`huanjian.field.compare` — comparison tests (比对监测 / 比对抽测): reference-method
  results paired with the automatic monitor's values, evaluated against the acceptance
  tables of HJ 75-2017 (flue gas) and HJ 355/356-2019 (water), kept as rules-as-data.
"""

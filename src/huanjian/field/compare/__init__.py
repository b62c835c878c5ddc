"""Comparison tests (比对监测): pure evaluation of reference/CEMS pairs against acceptance rules.

* :mod:`.rules` loads ``acceptance.json`` (versioned rules-as-data; every band keeps its
  source, clause and confidence).
* :mod:`.tdist` Student's t quantile without SciPy (documented, tested).
* :mod:`.inputs` parses the JSON / CSV input of ``huanjian compare evaluate``.
* :mod:`.evaluate` computes the figures and the verdict.
* :mod:`.cli` the Typer sub-app.

See ``docs/compare.md``.
"""

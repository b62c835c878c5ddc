"""Detection of abnormal and falsified monitoring data (issue 6).

Detectors (:mod:`huanjian.detect.catalogue`) are pure functions over the minute data of one
logger (and its peers where a detector compares loggers); their parameters live in
``rules.json`` with source and confidence.  Findings carry evidence
(:mod:`huanjian.detect.evidence`) and are grouped into clues (:mod:`huanjian.detect.clues`),
which honest flags, accepted marks or declarations and QA events lower or suppress.  The
generator (:mod:`huanjian.detect.generate`) produces honest minute data with confounders and
labelled falsification episodes; :mod:`huanjian.detect.evaluate` measures recall and precision.
"""

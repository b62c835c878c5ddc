"""Data review (数据审核, issue 5): rules as data and the array engine.

``huanjian.review.rules`` holds the versioned rule files and their loader;
``huanjian.review.engine`` the vectorised computations (validity, aggregation,
conversions, emissions, exceedances, substitution, logger cross-checks,
indicators).  The engine is pure: arrays in, arrays out, no database.
See docs/review.md.
"""

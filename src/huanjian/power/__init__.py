"""Electricity monitoring of facilities (用电监控, 分表计电): meters and their readings.

Readings arrive two ways: a CSV/XLSX feed for sites that meter electricity
separately, and HJ 212 frames whose items a meter is registered to (the 2025
electricity commands; their codes are configured per meter because the 2025
text is not available to us — see docs/power.md).  Detection reads both through
:func:`huanjian.power.service.series`.
"""

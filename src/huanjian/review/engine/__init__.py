"""The review engine: pure, vectorised computations over record arrays (no database).

Modules:

* ``grid`` — long records → dense ``(series, slots)`` grids on CST days; flags and
  their App. C propagation;
* ``validity`` — valid hours, days and months (HJ 212-2017 App. D formulas 23-25);
* ``water`` — cycle analysers and flow-weighted water means (App. D.1);
* ``convert`` — wet/dry, ppm → mg/m³, NOx, O2 and excess-air correction, flow (App. D.2);
* ``emissions`` — emission rates and amounts, permitted amounts, HJ 75 substitution;
* ``exceedance`` — marks and exceedance events;
* ``indicators`` — transmission, validity, effective transmission and exceedance
  rates; logger cross-checks;
* ``pipeline`` — the flue-gas review of many outlets at once.
"""

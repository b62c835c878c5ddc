"""Geography: jurisdiction reference data (行政区划)."""

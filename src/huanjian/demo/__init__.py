"""Demo data and helpers for `huanjian demo`. Later domains add their seeds here."""

"""The `huanjian` command line."""

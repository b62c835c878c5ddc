"""Credit evaluation and graded supervision (issue 9)."""

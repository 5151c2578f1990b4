"""Analysis: claims checked against the tables (verdicts, evidence, timelines)."""

"""Rating schemes, ballots and results arrive with their own issues."""

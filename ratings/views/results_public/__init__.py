"""The public results pages: a meeting's results and open data (pages), the rankings built on them
(rankings), and what both show of a published snapshot (display)."""

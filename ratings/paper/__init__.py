"""Paper ballots: the sheet's layout, its printable and raster renderings, and the reader of marked sheets.

Pure: no model, no database. See docs/paper-ballots.md for the API and the reading rules.
"""

"""Exchange of the offer with other systems: LHÉO in and out, spreadsheets of sessions, open data."""

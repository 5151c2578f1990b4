"""Tables: the loaders and queries of the processed tables (personnel, operations, finance, quality, gender,
panels, country names). Charts, claims and briefs get their data only through these functions."""

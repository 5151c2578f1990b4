"""Outputs: what pkdata draws and writes from the tables: charts, maps, figures, briefs, exports, the
codebook, citations and the notebooks' runner."""

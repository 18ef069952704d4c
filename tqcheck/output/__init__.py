"""Layer 6, output: the Report (the aggregate of document results), statistics, fingerprints, writers and
plots. Reads results; checks nothing."""

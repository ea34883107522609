"""Tools that build each pack's starter notebook and sample submissions (see samplekit.writer)."""

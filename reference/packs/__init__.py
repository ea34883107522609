"""Each pack's student API, implemented by the reference, one module per pack."""

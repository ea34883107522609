"""The networks of each pack, one module per pack."""

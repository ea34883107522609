"""gangrade: grade GAN assignment notebooks against a reference implementation."""
__version__ = "0.1.0"

"""Scoring generated samples: the MNIST classifier and its metrics."""

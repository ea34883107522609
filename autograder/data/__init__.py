"""Loading MNIST and CelebA: real files when given, bundled or generated data otherwise."""

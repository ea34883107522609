"""Reference implementation of every part of the five GAN assignment packs.

Everything the grader judges is judged against this package, so it is
written to be read: one module per concern, models laid out like a textbook.

- ``activations``, ``noise``: the small building blocks.
- ``models``: one module per pack's networks.
- ``losses``, ``penalty``: GAN, probability-form, LSGAN and WGAN-GP objectives.
- ``optim``: optimizers over exactly one network, and the ownership checks.
- ``training``: each pack's training loop.
- ``interpolate``, ``images``, ``minimax``: z-space lines, sample grids,
  the alternating-gradient inline question.
- ``packs``: one module per pack exposing the student API under its own names.
"""

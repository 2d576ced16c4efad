"""Exceptions of the imbgen package beyond Python's own."""


class TrainingDiverged(RuntimeError):
    """A generator's training produced a non-finite loss or value (the message names the step).

    Try fewer steps, a smaller learning rate, or another generator.
    """

"""The one exception type the command line turns into a single readable line."""


class FaceganError(Exception):
    """A problem with the user's input: the message says what is wrong and how to fix it."""

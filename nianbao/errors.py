"""The one exception type the command line turns into a one-line message."""


class UserError(Exception):
    """Bad input or an unusable setting: the message is one line for the user."""

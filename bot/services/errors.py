"""Errors the use cases raise that the person asking can act on; each edge words them."""

from __future__ import annotations


class UserFacingError(Exception):
    """A failure whose message is safe and useful to show to the person who asked."""


class AnswerTooBigError(UserFacingError):
    """The answer ran past its time budget: the question asks for too much at once."""

    def __init__(self) -> None:
        super().__init__(
            "That question is too big to answer in time. Ask for a shorter period "
            "(e.g. last-month or 90d) or a narrower question (one project, team or service)."
        )


class StoreUnavailableError(UserFacingError):
    """The cost store cannot be reached (down, restarting, or the network to it is cut)."""

    def __init__(self, reason: str = "") -> None:
        self.reason = reason
        super().__init__(
            "The cost store is not reachable right now. Try again in a few minutes; "
            "if it lasts, tell whoever runs costbot."
        )


class NotAuthorisedError(UserFacingError):
    """The person may not do this; nothing was changed. The message says who may."""


class NotFoundError(UserFacingError):
    """What the person asked about does not exist (any more)."""


class AlreadyDecidedError(UserFacingError):
    """Someone already did this (acknowledged, approved, ...); the message says who and when."""


class StaleButtonError(UserFacingError):
    """A button whose value this version of costbot cannot read (an old message, or not ours)."""

    def __init__(self) -> None:
        super().__init__("That button is out of date: ask again with /cost, or use a newer one.")

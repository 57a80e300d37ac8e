"""The exceptions of the helper, named and nested as ops names them."""

from __future__ import annotations


class ActionError(Exception):
    """Raise it from an action handler to fail the action with exactly this
    message (any other exception fails it with ``"<Type>: <message>"``)."""


class ModelError(Exception):
    """The host refused a model call; the message is Juju's."""


class TooManyRelatedAppsError(ModelError):
    """:meth:`Model.get_relation` found more than one relation on an endpoint."""

    def __init__(self, relation_name: str, num_related: int, max_supported: int):
        super().__init__(
            f"Too many remote applications on {relation_name} "
            f"({num_related} > {max_supported})"
        )
        self.relation_name = relation_name
        self.num_related = num_related
        self.max_supported = max_supported


class RelationDataError(ModelError):
    """A databag read or write that is not allowed or not valid."""


class RelationDataTypeError(RelationDataError):
    """A databag key or value that is not a string."""


class RelationDataAccessError(RelationDataError):
    """A databag this unit may not read or write (another unit's, the
    application's when not leader, a remote application's)."""


class RelationNotFoundError(ModelError):
    """The relation does not exist (any more)."""


class InvalidStatusError(ModelError):
    """A status a charm cannot set (``unknown``, ``error``, not a status)."""


class SecretNotFoundError(ModelError):
    """The secret does not exist, or this unit cannot see it."""

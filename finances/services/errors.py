"""What the workflows of the finances app refuse, told to the user."""


class WorkflowError(Exception):
    """An action that the request's state forbids; the message is shown to the user, next to
    `field` when the fault is one field's."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field

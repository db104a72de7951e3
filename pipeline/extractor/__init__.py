"""The extractor: building the news spaCy pipeline and mapping its entities to raw offsets."""


class ModelError(Exception):
    """The spaCy pipeline (or the models/ data) cannot be loaded; the message is one line for the user."""

"""The extractor: building the news spaCy pipeline and mapping its entities to raw offsets."""

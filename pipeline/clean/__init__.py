"""Cleaning: boilerplate removal, article metadata, and the clean -> raw offset map."""

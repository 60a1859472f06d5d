"""Freehold: the self-hosted store a brand owns."""

__version__ = "0.1.0"

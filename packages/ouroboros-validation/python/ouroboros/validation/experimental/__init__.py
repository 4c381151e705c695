"""Experimental APIs (``pydantic.experimental``): they may change between releases."""

"""Internal modules at the paths Pydantic's own tooling imports them from."""

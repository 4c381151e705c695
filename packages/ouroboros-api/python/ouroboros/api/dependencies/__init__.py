"""``fastapi.dependencies``: how a path operation's parameters are described
(`models.Dependant`) and read from a request's data (`utils`)."""

"""ouroboros.tasks: a task queue: embedded, NATS JetStream or Redis Streams."""

from ouroboros.tasks._tasks import __version__

__all__ = ["__version__"]

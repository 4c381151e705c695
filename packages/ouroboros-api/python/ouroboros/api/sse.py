"""Server-Sent Events (``fastapi.sse``)."""

from ouroboros.api.responses import EventSourceResponse, ServerSentEvent, format_sse_event

__all__ = ["KEEPALIVE_COMMENT", "EventSourceResponse", "ServerSentEvent", "format_sse_event"]

# What a Server-Sent Events stream sends when it has been quiet for a while.
KEEPALIVE_COMMENT = b": ping\n\n"

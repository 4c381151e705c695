"""Server-Sent Events (``fastapi.sse``)."""

from ouroboros.api.responses import EventSourceResponse, ServerSentEvent, format_sse_event

__all__ = ["EventSourceResponse", "ServerSentEvent", "format_sse_event"]

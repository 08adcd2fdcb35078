"""Fortnox's WebSocket topics, emulated: the event log every register write feeds
(:mod:`.log`, :mod:`.catalogue`), the ``/topics-v1`` endpoint (:mod:`.socket`, :mod:`.commands`),
the stream faults the control API sets (:mod:`.hub`, :mod:`.control`) and an in-process
client for tests (:mod:`.inprocess`)."""

from __future__ import annotations

from fortnox_bridge.sandbox.topics.hub import TopicsHub
from fortnox_bridge.sandbox.topics.log import Event, TopicLog

__all__ = ["Event", "TopicLog", "TopicsHub"]

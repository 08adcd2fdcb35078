"""The stream of Fortnox's changes per Fortnox app, as the tenant list shows it: connected or
not and since when, the lag per topic, the events of the last minute, and whether the sweeps
run stretched (the same facts as ``GET /api/v1/status``'s ``realtime``)."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from fortnox_bridge.services.stream_status import StreamsOverview
from fortnox_bridge.web.render import gettext


def stream_rows(request: Request, overview: StreamsOverview) -> dict[str, Any]:
    """What ``_streams.html`` shows."""
    rows = [
        {
            "app": stream.app,
            "state": gettext(request, "Connected")
            if stream.connected
            else gettext(request, "Not connected"),
            "color": "green" if stream.connected else "red",
            "since": stream.since.strftime("%Y-%m-%d %H:%M:%S UTC"),
            "lags": [
                {"topic": topic, "seconds": f"{seconds:.0f}"}
                for topic, seconds in stream.lag_seconds.items()
            ],
            "events": stream.events_last_minute,
        }
        for stream in overview.streams
    ]
    if overview.sweeps_stretched:
        stretched = gettext(request, "Sweeps run stretched: the stream brings the changes.")
    else:
        stretched = gettext(request, "Sweeps run on their interval: no stream is connected.")
    return {"rows": rows, "stretched": stretched}

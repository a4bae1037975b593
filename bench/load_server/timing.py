"""Each response says how long the server spent on it (Server-Timing: app;dur=<ms>), so that the bench
can tell time in the application from time queued in the socket or spent in the client."""

import time

HEADER = "Server-Timing"


def server_timing(get_response):
    def middleware(request):
        began = time.perf_counter()
        response = get_response(request)
        response[HEADER] = f"app;dur={(time.perf_counter() - began) * 1000:.2f}"
        return response

    return middleware

"""Access logs without the survey rounds' respondents.

An access log line holds the client's address, its user agent and the second of the request. For
an anonymous answer to a survey round (`/enkat/...`) that is too much: the order of the lines
matches the order of the stored responses. gunicorn is started with
`--logger-class questionnaire.accesslog.Logger` (Containerfile, docs/operations.md), which
writes every other access line as usual; `flask run`'s development server gets the same filter.
"""

from __future__ import annotations

import logging
from typing import Any

from gunicorn.glogging import Logger as _GunicornLogger

#: Requests under this path are not logged.
QUIET = "/enkat/"


class Logger(_GunicornLogger):
    def access(self, resp: Any, req: Any, environ: dict, request_time: Any) -> None:
        if environ.get("PATH_INFO", "").startswith(QUIET):
            return
        super().access(resp, req, environ, request_time)


class QuietSurveyFilter(logging.Filter):
    """For werkzeug's development server log ("GET /enkat/... HTTP/1.1" 200 -)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return f" {QUIET}" not in record.getMessage()


def init_app() -> None:
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, QuietSurveyFilter) for f in werkzeug.filters):
        werkzeug.addFilter(QuietSurveyFilter())

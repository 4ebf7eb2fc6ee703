"""Access logs without the survey rounds' respondents.

An access log line holds the client's address, its user agent and the second of the request. For
an anonymous answer to a survey round (`/enkat/...`) that is too much: the order of the lines
matches the order of the stored responses. gunicorn is started with
`--logger-class questionnaire.accesslog.Logger` (Containerfile, docs/operations.md), which
writes every other access line as usual; `flask run`'s development server gets the same filter
(`survey.quiet_development_log`). Only gunicorn imports this module.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger as _GunicornLogger

from questionnaire.survey import QUIET


class Logger(_GunicornLogger):
    def access(self, resp: Any, req: Any, environ: dict, request_time: Any) -> None:
        if environ.get("PATH_INFO", "").startswith(QUIET):
            return
        super().access(resp, req, environ, request_time)

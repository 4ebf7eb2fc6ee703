"""Casework: the handledare's pages (`views`: caseload, hand-over, parallel rating, dialogue view,
action plan), what is due when (`schedule`, `caseload`) and the participants' codes (`codes`)."""

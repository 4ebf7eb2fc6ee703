"""Casework: the handledare's pages, one blueprint `staff` (`blueprint`) over `views` (caseload,
the participant's page, hand-over), `ratings` (parallel rating, dialogue view, printout), `notes`
(the action plan) and `settings` (insatser, users, audit log); what is due when (`schedule`,
`caseload`) and the participants' codes (`codes`)."""

"""Answering: the participant's pages on the tablet (`views`), the one place a tapped answer is
stored (`answers`), and the participant's one-time links (`links`)."""

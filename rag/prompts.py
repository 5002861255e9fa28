"""Every text newsrag shows a model or says on its own behalf, in one place."""

REFUSAL_TEXT = "The indexed articles do not answer this question."

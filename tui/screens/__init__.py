"""The live drill's screens: the facilitator's console and each team's view."""

"""Ways of running the engine: many seeded replications (batch) and live drills
(the session with its journal, and the read model a UI shows)."""

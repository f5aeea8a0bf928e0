"""The terminal UI (Textual) for live drills. It sits on top of ``sim`` and ``scenarios``."""

"""Multi-site drills: a drill server, its protocol, a client, and invitations.

Headless: nothing here imports Textual or Rich. See docs/protocol.md and
docs/security.md.
"""

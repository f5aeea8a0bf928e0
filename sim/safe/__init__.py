"""Safety at the product's edges: private files, bounded reads and plain text.

- :mod:`sim.safe.files` creates every file the product writes (journals, event
  logs, reports, batch results, invitations) readable by its owner only, and reads
  untrusted files with a size cap, refusing anything that is not a regular file.
- :mod:`sim.safe.text` turns untrusted strings into plain text for a terminal.
"""

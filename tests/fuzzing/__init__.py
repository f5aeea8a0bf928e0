"""Fuzzing of scenario files: mutations of the bundled scenarios and the checks on every command.

* :mod:`fuzzing.mutate` turns a bundled scenario or template into a hostile one
  (hypothesis strategies), at the data level and at the byte level.
* :mod:`fuzzing.harness` runs the ``drill`` commands on it in this process, with a
  time limit and a memory cap, and says what went wrong, if anything.
* :mod:`fuzzing.discover` runs thousands of cases, groups the failures by kind and
  by the innermost project frame, and writes a small reproducer for each group.

``tests/test_fuzz_scenarios.py`` holds the property itself.
"""

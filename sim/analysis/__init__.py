"""Analysis of runs: metrics, statistics, the review, the after-action report and plots.

Everything here reads event logs, which are pure records of what happened.
"""

"""What jobs leave behind: result lines, Snakemake's benchmark files, the schedule, cProfile.

Imports nothing: every job is a fresh process, and import time is start-up cost.
"""

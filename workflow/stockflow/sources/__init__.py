"""Where daily quotes come from: files and URLs, HTTP, the shared request budget, the providers.

Imports nothing: every job is a fresh process, and import time is start-up cost.
"""

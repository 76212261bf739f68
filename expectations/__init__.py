"""Data-quality checks of the nianbao warehouse with great-expectations 1.x.

`suites/` holds the suites, written in Python: each is a frame read from the warehouse (a table or a
small SQL reconciliation) and the expectations it must meet, each with a severity and a remedy in
its `meta`. `context.sync()` (`python -m expectations`) writes them into the file context `gx/`,
whose JSON is committed; `expectations/runner.py` runs the checkpoint there.
"""

# The example runner's pytest plugin collects the examples of docs/*.md and of
# mlmath's docstrings, with the same parser and checker the site build uses.
pytest_plugins = ["docrun.pytest_plugin"]

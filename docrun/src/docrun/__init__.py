"""docrun: run and check the examples of Markdown pages and docstrings.

One parser (``docrun.blocks``), one runner (``docrun.run``) and one checker
(``docrun.check``), used by the MkDocs plugin (``docrun.plugin``) during the build and
by the pytest plugin (``docrun.pytest_plugin``), so the two can never disagree.
"""

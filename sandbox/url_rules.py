"""URL rules whose URL builders are compiled when first used, not when the app starts.

Werkzeug compiles two Python functions per route (through ``ast`` and ``compile``) as each
route is registered, so that ``url_for`` is fast. With over a hundred routes per system that
was most of the time it takes to build both Flask apps, while a page only ever builds URLs for
a handful of endpoints. Matching requests does not use these functions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.routing import Rule


class LazyBuilderRule(Rule):
    """A :class:`~werkzeug.routing.Rule` that compiles each URL builder on its first call."""

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        attribute = "_build_unknown" if append_unknown else "_build"
        compile_builder = super()._compile_builder

        def build_on_first_use(rule: Rule, **values: Any) -> tuple[str, str]:
            # Two threads may both compile it; either result is the same function.
            builder: Callable[..., tuple[str, str]] = compile_builder(append_unknown).__get__(rule, None)
            setattr(rule, attribute, builder)
            return builder(**values)

        return build_on_first_use

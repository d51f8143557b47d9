"""URL rules with builders compiled on first use build exactly the URLs werkzeug's own rules build."""

from __future__ import annotations

from werkzeug.routing import Map, Rule

from sandbox.url_rules import LazyBuilderRule

RULES = [
    ("/", {}, {}),
    ("/users/<user_id>", {}, {"user_id": "5f1 b/é"}),
    ("/applications/<int:number>/sso", {}, {"number": 42}),
    ("/page", {"tab": "overview"}, {}),
    ("/scim/v2/Users/<path:rest>", {}, {"rest": "a/b", "filter": 'userName eq "x"', "count": 3}),
]


def _build_all(rule_class: type[Rule]) -> list[str]:
    routes = Map(
        [rule_class(path, endpoint=f"e{i}", defaults=defaults or None) for i, (path, defaults, _) in enumerate(RULES)]
    )
    adapter = routes.bind("console.jumpcloud.localhost:8443")
    return [adapter.build(f"e{i}", values) for i, (_, _, values) in enumerate(RULES)]


def test_lazy_rules_build_the_same_urls_as_werkzeug_rules() -> None:
    assert _build_all(LazyBuilderRule) == _build_all(Rule)


def test_builder_is_compiled_once_on_first_use() -> None:
    rule = LazyBuilderRule("/users/<user_id>", endpoint="user")
    adapter = Map([rule]).bind("localhost")
    lazy = rule._build_unknown
    assert adapter.build("user", {"user_id": "a"}) == "/users/a"
    compiled = rule._build_unknown
    assert compiled is not lazy
    assert adapter.build("user", {"user_id": "b", "q": "1"}) == "/users/b?q=1"
    assert rule._build_unknown is compiled

"""The Discord adapter's shape: helpers take what they need; only the bot (and the CLI that runs it) knows them all."""

from __future__ import annotations

import grimp

PACKAGE = "integrations.discord"


def discord_graph() -> grimp.ImportGraph:
    # Imports made only for type checking count here too: a helper typed with the whole bot still depends on it.
    return grimp.build_graph("integrations", "bot", "commands", exclude_type_checking_imports=False)


def test_no_helper_reaches_back_for_the_bot_and_no_module_cycle() -> None:
    graph = discord_graph()
    modules = sorted(m for m in graph.modules if m.startswith(f"{PACKAGE}."))
    assert f"{PACKAGE}.bot" in modules
    importers = {m for m in graph.find_modules_that_directly_import(f"{PACKAGE}.bot") if m.startswith(PACKAGE)}
    assert importers <= {f"{PACKAGE}.cli"}, importers
    cycles = [(a, b) for a in modules for b in modules
              if a < b and graph.chain_exists(importer=a, imported=b) and graph.chain_exists(importer=b, imported=a)]
    assert cycles == []

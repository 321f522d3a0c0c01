"""SQL-injection analysis of JavaScript and TypeScript, parsed with tree-sitter.

The same abstract interpretation as the Python analyser, over tree-sitter's syntax tree:
``const``/``let``/``var`` and assignments (``+=`` included) update an environment of
:class:`~buildrunner.security.sqli.taint.Val`; ``if``/``switch``/``try`` branches are joined,
loops run twice; nested functions (callbacks, handlers) are analysed where they appear, with the
enclosing variables in scope. Template literals with substitutions, ``+`` and ``concat``/
``join``/``replace`` build strings; tagged templates (sql`...`, Prisma.sql`...`) and
placeholders with a values array are parameterised and safe.

tree-sitter and the grammars are imported when the first JS/TS file is analysed, never at
start-up.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import PurePath
from typing import TYPE_CHECKING

from buildrunner.security.sqli.model import SqlAnalysis
from buildrunner.security.sqli.report import Reporter
from buildrunner.security.sqli.sqltext import may_hold_javascript_sql
from buildrunner.security.sqli.taint import Val

if TYPE_CHECKING:
    from tree_sitter import Node, Parser

from buildrunner.security.sqli.javascript_ast import (
    FUNCTIONS,
    Nesting,
    field,
    text,
    unwrap,
)
from buildrunner.security.sqli.javascript_calls import Scope


@lru_cache(maxsize=3)
def _parser(dialect: str) -> Parser:
    from tree_sitter import Language, Parser

    if dialect == "javascript":
        import tree_sitter_javascript

        language = Language(tree_sitter_javascript.language())
    else:
        import tree_sitter_typescript

        grammar = (
            tree_sitter_typescript.language_tsx()
            if dialect == "tsx"
            else tree_sitter_typescript.language_typescript()
        )
        language = Language(grammar)
    return Parser(language)


def dialect_of(path: str) -> str:
    suffix = PurePath(path).suffix.lower()
    if suffix == ".tsx":
        return "tsx"
    if suffix in {".ts", ".mts", ".cts"}:
        return "typescript"
    return "javascript"


def analyze_javascript(source: str, *, path: str = "<string>") -> SqlAnalysis:
    """Find SQL injection in JavaScript or TypeScript `source` (dialect from `path`).

    Like the Python analyser, a file with no sink call and no SQL statement is not parsed.
    """
    if not may_hold_javascript_sql(source):
        return SqlAnalysis(language="javascript")
    data = source.encode("utf-8", errors="replace")
    tree = _parser(dialect_of(path)).parse(data)
    root = tree.root_node
    if root.has_error:
        line = _first_error_line(root)
        return SqlAnalysis(skipped=f"syntax error at line {line}", language="javascript")
    reporter = Reporter(source.splitlines())
    try:
        ModuleFacts(root, reporter).run()
    except (Nesting, RecursionError):
        return SqlAnalysis(skipped="nesting too deep to analyse", language="javascript")
    return SqlAnalysis(findings=reporter.findings(), language="javascript")


def _first_error_line(root: Node) -> int:
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            return int(node.start_point[0]) + 1
        stack.extend(reversed([c for c in node.children if c.has_error or c.is_missing]))
    return 1


class ModuleFacts:
    """Facts about one file: its named functions and enums; the driver of the analysis."""

    def __init__(self, root: Node, reporter: Reporter) -> None:
        self.root = root
        self.reporter = reporter
        self.functions: dict[str, Node] = {}
        self.methods: dict[str, Node] = {}
        self.enums: set[str] = set()
        self.steps = 0
        self.inline_cache: dict[tuple[object, ...], Val] = {}

    def run(self) -> None:
        self._collect(self.root)
        scope = Scope(self, None)
        scope.block(list(self.root.named_children), {})

    def _collect(self, root: Node) -> None:
        stack = [root]
        while stack:
            node = stack.pop()
            kind = node.type
            if kind in {"function_declaration", "generator_function_declaration"}:
                name = text(field(node, "name"))
                self.functions.setdefault(name, node)
            elif kind == "variable_declarator":
                value = unwrap(field(node, "value"))
                name_node = field(node, "name")
                if value is not None and value.type in FUNCTIONS and name_node is not None:
                    self.functions.setdefault(text(name_node), value)
            elif kind == "method_definition":
                self.methods.setdefault(text(field(node, "name")), node)
            elif kind == "enum_declaration":
                self.enums.add(text(field(node, "name")))
            stack.extend(node.named_children)

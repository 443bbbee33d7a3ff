"""Parsed GraphQL documents that cost the garbage collector little (issue #13, /healthz under attack).

graphql-core's parser links every token to the one before and after it (``Token.prev`` /
``Token.next``) and every AST node's :class:`~graphql.language.Location` to its first and last
token. The token list is therefore one reference cycle per document: a parsed document is never
freed by reference counting, only by the cyclic collector, and one that lives through a request
reaches the oldest generation. There the prepared-document cache kept ~130,000 AST objects of the
hostile corpus alive, and each full collection (one every ~0.8 s under attack) walked them with the
GIL held: 70–140 ms during which not even ``/healthz`` answered.

* :func:`parse_light` parses like :func:`graphql.parse`; a document it refuses (a syntax error, too
  many tokens) leaves no cycle behind either.
* :func:`lighten` drops the tokens of a document that will be executed or cached: its locations keep
  their offsets and source (all that error locations and strawberry read), the tokens are freed at
  once by reference counting.
* :func:`skeleton` and :func:`detach` keep of a refused document only what its answer needs: its
  operations' types and names (strawberry checks them before answering) and the errors with their
  source and positions, not the nodes.
"""

from __future__ import annotations

from typing import Any

from graphql import DocumentNode, GraphQLError, NameNode, OperationDefinitionNode, SelectionSetNode
from graphql.language import Node, Token
from graphql.language.parser import Parser

__all__ = ["parse_light", "unlink", "lighten", "skeleton", "detach"]


def parse_light(query: str, **options: Any) -> DocumentNode | GraphQLError:
    """:func:`graphql.parse` of ``query``: the document, or its syntax error *returned*.

    On a syntax error (or too many tokens) the tokens read so far are unlinked, and the error is
    returned as a fresh :class:`~graphql.GraphQLError` (same message, source, positions and
    extensions) without a traceback: a raised error's traceback would hold the parser and its tokens
    for as long as the error is kept (the prepared-document cache keeps it).

    >>> parse_light("{ a }").definitions[0].operation.value
    'query'
    >>> parse_light("{ a ").locations
    [SourceLocation(line=1, column=5)]
    """
    parser = Parser(query, **options)
    try:
        return parser.parse_document()
    except GraphQLError as e:
        found = GraphQLError(e.message, source=e.source, positions=e.positions, extensions=e.extensions)
    lexer = getattr(parser, "_lexer", None)  # graphql-core's own attribute; absent: nothing to unlink
    token: Token | None = getattr(lexer, "token", None)
    while token is not None:  # from the last token read back to the first
        token.next, token = None, token.prev
    return found


def unlink(document: DocumentNode) -> None:
    """Make the token list singly linked (no cycle): the document, tokens included, is then freed by
    reference counting as soon as nothing holds it (enough for a document about to be dropped).

    >>> from graphql import parse
    >>> doc = parse("{ a }")
    >>> unlink(doc)
    >>> doc.loc.end_token.prev is None
    True
    """
    token = document.loc.start_token if document.loc is not None else None
    while token is not None:
        token.prev = None
        token = token.next


def lighten(document: DocumentNode) -> DocumentNode:
    """``document`` without its lexer tokens (in place; returned for convenience).

    Every node keeps its :class:`~graphql.language.Location` (start, end, source), so errors still
    name line and column; only ``start_token``/``end_token`` are cleared.

    >>> from graphql import parse
    >>> doc = lighten(parse("{ a b }"))
    >>> doc.definitions[0].loc.start, doc.definitions[0].loc.start_token is None
    (0, True)
    """
    unlink(document)
    stack: list[Any] = [document]
    while stack:
        node = stack.pop()
        loc = node.loc
        if loc is not None:
            loc.start_token = loc.end_token = None
        for key in node.keys:
            if key == "loc":
                continue
            value = getattr(node, key, None)
            if isinstance(value, Node):
                stack.append(value)
            elif isinstance(value, (tuple, list)):
                stack.extend(v for v in value if isinstance(v, Node))
    return document


def skeleton(document: DocumentNode) -> DocumentNode:
    """The operations of ``document`` (type and name) with empty selections and no locations.

    Enough for strawberry's checks before it answers with the document's errors (is the operation
    there, is its type allowed over this method); nothing else of the document is kept.

    >>> from graphql import parse
    >>> s = skeleton(parse("mutation M { a } query Q { b }"))
    >>> [(d.operation.value, d.name.value) for d in s.definitions]
    [('mutation', 'M'), ('query', 'Q')]
    """
    operations = tuple(
        OperationDefinitionNode(
            operation=d.operation,
            name=NameNode(value=d.name.value) if d.name is not None else None,
            variable_definitions=(),
            directives=(),
            selection_set=SelectionSetNode(selections=()),
        )
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    )
    return DocumentNode(definitions=operations)


def detach(error: GraphQLError) -> GraphQLError:
    """``error`` with the same message, locations, path and extensions but without its AST nodes.

    >>> from graphql import parse, Source
    >>> doc = parse(Source("{ a }"))
    >>> e = detach(GraphQLError("bad", nodes=doc.definitions[0]))
    >>> e.nodes is None, e.locations == [(1, 1)]
    (True, True)
    """
    if not error.nodes:
        return error
    return GraphQLError(error.message, source=error.source, positions=error.positions, path=error.path,
                        original_error=error.original_error, extensions=error.extensions)

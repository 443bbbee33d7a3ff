"""The GraphQL API: FastAPI + Strawberry at ``/graphql`` (see ``docs/api.md``).

``create_app`` lives in :mod:`stakegraph.web.app`; the schema is built by :func:`stakegraph.web.schema.build_schema`.
"""

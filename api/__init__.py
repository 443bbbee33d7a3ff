"""The GraphQL API: FastAPI + Strawberry at ``/graphql`` (see ``docs/api.md``).

``create_app`` lives in :mod:`api.app`; the schema is built by :func:`api.schema.build_schema`.
"""

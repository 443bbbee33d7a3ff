"""Resilience tests: faults against the real Neo4j, soak on loopback (docs/security.md)."""

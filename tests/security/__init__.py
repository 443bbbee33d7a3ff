"""Security tests: hostile input, exports, API abuse, auth on every mutation (docs/security.md)."""

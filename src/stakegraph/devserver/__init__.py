"""The local Neo4j 5.26 manager (Maven Central jars on Java 17) used by tests, bench and `stakegraph neo4j`."""

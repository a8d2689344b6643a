"""Storage: the schema, migrations, imports and exports, and repositories."""

"""The SQL store: typed models, repositories, unit of work and Alembic migrations."""

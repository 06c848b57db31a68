"""Cloud controllers: each configured fleet (`idle.controllers[]`) as a registered type.

Each type lives in its own package here and exposes `CONTROLLER_TYPE` (see `registry`)."""

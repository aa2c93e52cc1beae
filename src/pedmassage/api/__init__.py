"""REST API (FastAPI, OpenAPI at /api/docs): thin routers that parse, call one service, render."""

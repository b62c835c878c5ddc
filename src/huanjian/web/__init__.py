"""Web shell: FastAPI app, /api/v1, server-rendered pages (Jinja2 + htmx)."""

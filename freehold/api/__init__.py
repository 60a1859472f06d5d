"""The REST API at /api/v1/ (django-ninja): conventions in `conventions.py`, routers beside it."""

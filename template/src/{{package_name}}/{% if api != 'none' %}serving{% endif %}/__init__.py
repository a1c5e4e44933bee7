"""The prediction API: a framework-free service (service.py) behind a thin web adapter."""

"""Renderers: view models (plain dicts), HTML, PDF, charts, the verifiable bundle, OSCAL."""

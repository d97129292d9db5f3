"""Renderers: view dicts in, document bytes out (PDF with Typst)."""

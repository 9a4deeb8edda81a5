"""Hydra configuration tree of rerank-bench, importable so the installed CLI finds it anywhere."""

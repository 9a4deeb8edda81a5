"""Reporting: paper-style tables, significance marks and plots from MLflow runs.

Submodules are imported on use (``rerank_bench.reporting.tables``...), so that importing the
package does not import MLflow or matplotlib.
"""

__all__: list[str] = []

"""The feedback walkthrough notebook executes top to bottom (as CI runs it) and shows its plots."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient


def test_feedback_walkthrough_executes(repo_root: Path) -> None:
    notebook = nbformat.read(repo_root / "notebooks" / "feedback_walkthrough.ipynb", as_version=4)
    NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(repo_root)}},
    ).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 2  # the position-bias curve and label vs truth
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "max |estimate - truth|" in text and "solved by:" in text

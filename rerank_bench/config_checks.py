"""A composed config checked against the classes its ``_target_`` nodes name, building nothing.

Why: Hydra refuses ``retriever.nam=bm25`` while composing (the node is struct), but a key added
with ``+`` (``+retriever.k=1``) or a ``???`` left unset composes, and fails only when the pipeline
instantiates the node: after the data is loaded or, in a reproduction, after the cells before it
have run, as Hydra's wrapped ``TypeError`` that names neither the override nor the fix.
:func:`check_targets` finds those mistakes from the config alone (it imports the classes and
reads their signatures), so ``rerank-bench reproduce`` refuses them before any cell runs;
:func:`config_error` turns a failed instantiation into the same message, and
:func:`composition_fix` says what to write instead of an override Hydra could not apply.

The configs checked are trusted as much as running them: a ``_target_``'s module is imported,
exactly as the run would import it.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Iterator, Sequence
from typing import Any, cast

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import MissingMandatoryValue

from rerank_bench.errors import ConfigError, RerankBenchError

__all__ = ["check_targets", "composition_fix", "config_error"]

_HYDRA_KEYS = frozenset({"_target_", "_recursive_", "_convert_", "_partial_", "_args_"})
"""Keys that Hydra's ``instantiate`` consumes itself: never passed to the class."""

_MISSING = "???"


def check_targets(cfg: DictConfig, overrides: Sequence[str] = ()) -> None:
    """Raise for the first node the pipeline would fail to build from ``cfg``.

    Checked, depth first: ``dataset``, ``retriever``, ``reranker`` and, when the re-ranker's
    ``model`` is null (it scores with the model of the run's ``train`` recipe), ``train``, the
    nodes the pipeline instantiates. In each, a ``???`` value, a ``_target_`` that cannot be
    imported, and a key that is not a parameter of its ``_target_`` are errors.

    Args:
        cfg: the composed config.
        overrides: the overrides it was composed from, to name the one to fix.

    Raises:
        ConfigError: naming the key, the class, the override and the fix.
    """
    tree = _tree(cfg)
    roots = ["dataset", "retriever", "reranker"]
    reranker = tree.get("reranker")
    if isinstance(reranker, dict) and reranker.get("_target_") and "model" in reranker:
        if reranker["model"] is None:  # the pipeline builds the recipe to train that model
            roots.append("train")
    for root in roots:
        if isinstance(tree.get(root), dict):
            for problem in _problems(tree[root], root, tree, overrides):
                raise ConfigError(problem)


def config_error(
    exc: BaseException, cfg: DictConfig, overrides: Sequence[str] = ()
) -> RerankBenchError | None:
    """The user error behind ``exc``, raised while the pipeline built objects from ``cfg``.

    Hydra wraps whatever a constructor raises in its ``InstantiationException``, so a
    :class:`ConfigError` a class raises for a bad value would reach the command line as Hydra's
    exception (exit 1) rather than as rerank-bench's message (exit 2); an unknown key or a
    ``???`` is explained by :func:`check_targets`.

    Returns:
        The error to report, or ``None`` when ``exc`` is no user error that can be named (a bug:
        let it propagate with its traceback).
    """
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, RerankBenchError):
            return cause
        cause = cause.__cause__
    if isinstance(exc, MissingMandatoryValue) and exc.full_key:
        return ConfigError(_missing(str(exc.full_key)))
    try:
        check_targets(cfg, overrides)
    except ConfigError as error:
        return error
    return None


def composition_fix(
    exc: BaseException, compose: Callable[[Sequence[str]], DictConfig], overrides: Sequence[str]
) -> str | None:
    """What to write instead of the override that made Hydra refuse to compose, if it can tell.

    Hydra's answer to ``retriever.nam=bm25`` is "To append to your config use
    +retriever.nam=bm25", which composes and then fails in the class; the fix of a typo is the
    key it meant, and the fix of ``retriever.k=1`` is the top-level ``k=1``.

    Args:
        exc: the exception ``compose(overrides)`` raised.
        compose: composes a config from overrides (:func:`rerank_bench.config.config_composer`).
        overrides: the overrides that failed.

    Returns:
        One sentence ending in the fix, or ``None`` for another kind of composition error (an
        unknown group option, bad syntax: Hydra's own message says it best).
    """
    key = getattr(exc.__cause__, "full_key", None)
    override = _override_of(str(key), overrides) if key else None
    if override is None or override.startswith("+"):
        return None
    try:
        tree = _tree(compose([o for o in overrides if o != override]))
    except Exception:  # another override is wrong too: Hydra's message stands
        return None
    parent, _, name = str(key).rpartition(".")
    node = _at(tree, parent) if parent else tree
    if not isinstance(node, dict):
        return None
    known = sorted(str(k) for k in node if k not in _HYDRA_KEYS)
    where = parent or "the config"
    return (
        f"{override!r}: {where} has no key {name!r} (it has: {', '.join(known)}). "
        f"Fix: {_fix(str(key), known, tree, override)}"
    )


def _tree(cfg: DictConfig) -> dict[str, Any]:
    """``cfg`` as plain dicts and lists, interpolations and ``???`` left as written."""
    return cast(dict[str, Any], OmegaConf.to_container(cfg, resolve=False))


def _problems(
    node: Any, path: str, tree: dict[str, Any], overrides: Sequence[str]
) -> Iterator[str]:
    """Messages for what is wrong in ``node`` (at ``path``) and below, depth first."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _problems(item, f"{path}[{index}]", tree, overrides)
        return
    if not isinstance(node, dict):
        if node == _MISSING:
            yield _missing(path)
        return
    target = node.get("_target_")
    if isinstance(target, str) and not target.startswith("${"):
        yield from _unknown_keys(node, path, target, tree, overrides)
    for key, value in node.items():
        if key not in _HYDRA_KEYS:
            yield from _problems(value, f"{path}.{key}", tree, overrides)


def _unknown_keys(
    node: dict[str, Any], path: str, target: str, tree: dict[str, Any], overrides: Sequence[str]
) -> Iterator[str]:
    from hydra.utils import get_object

    try:
        obj = get_object(target)
    except Exception as exc:  # any import failure is the config's to fix
        yield (
            f"{path}._target_ {target!r} cannot be imported ({type(exc).__name__}: {exc}). "
            "Fix: name an importable class (module.Class), or pick a config group option."
        )
        return
    try:
        parameters = inspect.signature(obj).parameters.values()
    except (TypeError, ValueError):  # no signature to check against (a builtin)
        return
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return
    accepted = [
        p.name
        for p in parameters
        if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    ]
    for key in node:
        if key not in _HYDRA_KEYS and key not in accepted:
            full = f"{path}.{key}"
            override = _override_of(full, overrides)
            origin = f"override {override!r}" if override else "set in a config file"
            yield (
                f"{full} ({origin}) is not a parameter of {target}, which takes: "
                f"{', '.join(accepted)}. Fix: {_fix(full, accepted, tree, override)}"
            )


def _fix(full: str, known: Sequence[str], tree: dict[str, Any], override: str | None) -> str:
    """The fix for a key that its node does not have: the top-level setting, the close name, or
    dropping it."""
    parent, _, name = full.rpartition(".")
    value = override.split("=", 1)[1] if override and "=" in override else "<value>"
    if parent and name in tree:
        return f"{name} is a top-level setting: use {name}={value}."
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        return f"did you mean {parent}.{close[0]}? Use {parent}.{close[0]}={value}."
    return f"remove {override or full} (the keys it may set are listed above)."


def _missing(path: str) -> str:
    return (
        f"{path} has no value: its config leaves it ??? for you to give. "
        f"Fix: set {path}=<value> on the command line (or in the spec's overrides)."
    )


def _override_of(key: str, overrides: Sequence[str]) -> str | None:
    """The last override that sets ``key`` (``key=``, ``+key=``, ``++key=``), if any."""
    for override in reversed(overrides):
        if override.split("=", 1)[0].lstrip("+~") == key:
            return override
    return None


def _at(tree: dict[str, Any], path: str) -> Any:
    node: Any = tree
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node

"""``rerank-bench run --help``: what each config group, option and key is for, read from the
comments of ``conf/``.

Why from the comments: the configs' comments are the documentation (each ``conf/<group>/*.yaml``
opens with what it is, keys carry a comment above or beside them, ``conf/config.yaml`` says what
each group of its defaults list is for), so a help text written apart would drift from them. This
module only lays them out; Hydra's help template (``conf/hydra/help/rerank_bench.yaml``) places
the result through the ``${rb.config_help:...}`` resolver, so ``--help`` stays Hydra's own (with
overrides, ``--resolve`` and the composed config) and ``--hydra-help`` is untouched.
"""

from __future__ import annotations

import importlib.resources
import re
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib.resources.abc import Traversable

from rerank_bench.config import CONFIG_MODULE

__all__ = [
    "HELP_RESOLVER",
    "KeyDoc",
    "config_help",
    "file_doc",
    "first_sentence",
    "group_docs",
    "key_docs",
    "register_help_resolver",
]

HELP_RESOLVER = "rb.config_help"
"""``${rb.config_help:${hydra.runtime.choices}}``: the groups, options and keys, documented."""

_ROOT = "config.yaml"
_NOT_GROUPS = ("hydra", "__pycache__")
_NOT_KEYS = ("defaults", "hydra")
_WIDTH = 100
_NAME_COLUMN = 36
_PACKAGE = re.compile(r"#\s*@package\s+(\S+)")
_KEY = re.compile(r"^\s*(?P<dash>-\s+)?(?P<key>[A-Za-z_][\w-]*):(?P<rest>.*)$")
_DEFAULT = re.compile(r"^\s*-\s+(?:optional\s+)?(?P<group>[\w/]+):")
_EXAMPLE = re.compile(r"#\s{2,}\S")
_INLINE = re.compile(r"\s#\s?(?P<doc>.*)$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`(\"'])")


@dataclass(frozen=True)
class KeyDoc:
    """A documented key of a config file.

    Attributes:
        path: its override path (``retriever.k1``, ``train.label_source.min_dwell_s``).
        value: its value as written in the file (``0.9``; empty for a mapping).
        doc: its comment (the lines above it, else the one beside it).
    """

    path: str
    value: str
    doc: str


def _comment(line: str) -> str:
    return line.strip().removeprefix("#").strip()


def file_doc(text: str) -> str:
    """The first comment block of a config file, joined, up to its first indented line (an
    example or a list, which reads only as written); ``# @package`` lines are no text."""
    block: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            if block or stripped:
                break
            continue
        if _EXAMPLE.match(stripped) and block:
            break
        if not _PACKAGE.match(stripped):
            block.append(_comment(line))
    return " ".join(part for part in block if part)


def first_sentence(text: str) -> str:
    """The first sentence of ``text`` (up to a full stop followed by a capital, or the end)."""
    return _SENTENCE_END.split(text, maxsplit=1)[0]


def key_docs(text: str, prefix: str) -> Iterator[KeyDoc]:
    """The keys of a config file that carry a comment, with ``prefix`` before their path.

    A key's comment is the block of comment lines right above it, else the comment on its line;
    the file's opening block documents the file, not its first key. Keys inside lists (loss
    entries, defaults) and ``_target_``-style keys are no settings one overrides by path.
    """
    block: list[str] = []
    opening = True
    stack: list[tuple[int, str | None]] = []  # (indent, key); None: inside a list item
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            block, opening = [], False
            continue
        if stripped.startswith("#"):
            if not opening:
                block.append(_comment(line))
            continue
        opening = False
        match = _KEY.match(line)
        indent = len(line) - len(line.lstrip())
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if match is None or match["dash"]:
            stack.append((indent, None))
            block = []
            continue
        key, rest = match["key"], match["rest"]
        parents = [k for _, k in stack]
        stack.append((indent, key))
        inline = _INLINE.search(rest)
        doc = " ".join(block) or (inline["doc"].strip() if inline else "")
        block = []
        root = parents[0] if parents else key
        if None in parents or key.startswith("_") or root in _NOT_KEYS or not doc:
            continue
        value = (rest[: inline.start()] if inline else rest).strip()
        yield KeyDoc(".".join([prefix, *[str(k) for k in parents], key]).lstrip("."), value, doc)


def group_docs(config_text: str) -> dict[str, str]:
    """Group -> the comment above its entry in ``conf/config.yaml``'s defaults list."""
    docs: dict[str, str] = {}
    block: list[str] = []
    for line in config_text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            block.append(_comment(line))
            continue
        match = _DEFAULT.match(line)
        if match and block:
            docs[match["group"]] = " ".join(block)
        block = []
    return docs


def _conf() -> Traversable:
    return importlib.resources.files(CONFIG_MODULE)


def _groups() -> list[str]:
    return sorted(
        entry.name for entry in _conf().iterdir()
        if entry.is_dir() and entry.name not in _NOT_GROUPS
    )


def _options(group: str) -> dict[str, str]:
    """Option name -> the text of ``conf/<group>/<option>.yaml``, sorted by name."""
    files = sorted((f for f in (_conf() / group).iterdir() if f.name.endswith(".yaml")),
                   key=lambda f: f.name)
    return {f.name[: -len(".yaml")]: f.read_text(encoding="utf-8") for f in files}


def _package(text: str, default: str) -> str:
    """Where a file's keys land: its ``# @package`` directive, else ``default``."""
    for line in text.splitlines():
        stripped = line.strip()
        found = _PACKAGE.match(stripped)
        if found:
            return found[1]
        if stripped and not stripped.startswith("#"):
            break
    return default


def _wrap(text: str, first: str, column: int) -> list[str]:
    return textwrap.wrap(text, _WIDTH, initial_indent=first, subsequent_indent=" " * column,
                         break_on_hyphens=False, break_long_words=False)


def _entry(name: str, doc: str) -> list[str]:
    """``name`` then ``doc`` wrapped in the description column (on the next line when ``name``
    reaches into it)."""
    if len(name) >= _NAME_COLUMN:
        return [name, *_wrap(doc, " " * _NAME_COLUMN, _NAME_COLUMN)]
    return _wrap(doc, name.ljust(_NAME_COLUMN), _NAME_COLUMN) or [name]


def _key_lines(docs: Sequence[KeyDoc], indent: int) -> list[str]:
    lines: list[str] = []
    for doc in docs:
        name = f"{doc.path}={doc.value}" if doc.value else doc.path
        lines += _entry(" " * indent + name, doc.doc)
    return lines


def _group_lines(group: str, prefix: str, choice: str | None) -> list[str]:
    """Each option of ``group`` (``*``: this run's) with its first sentence, and under it the
    keys it documents that an option listed before it did not (the chosen option first)."""
    options = _options(group)
    order = sorted(options, key=lambda option: option != choice)
    seen: set[str] = set()
    lines: list[str] = []
    for option in order:
        text = options[option]
        mark = "* " if option == choice else "  "
        lines += _entry(f"  {mark}{option}", first_sentence(file_doc(text)))
        package = _package(text, prefix) if prefix else ""
        docs = [doc for doc in key_docs(text, package) if doc.path not in seen]
        seen.update(doc.path for doc in docs)
        lines += _key_lines(docs, 6)
    return lines


def config_help(choices: Mapping[str, str | None]) -> str:
    """The help text of every config group, its options and keys, and the top-level keys.

    Args:
        choices: group -> the option this run composed (``hydra.runtime.choices``), marked ``*``.
    """
    root = (_conf() / _ROOT).read_text(encoding="utf-8")
    about = group_docs(root)
    lines = _wrap(
        "Config groups: GROUP=OPTION picks conf/GROUP/OPTION.yaml (* marks this run's choice), "
        "GROUP.KEY=VALUE sets one of its keys; a key is listed under the first option that "
        "documents it.", "", 0,
    )
    groups = _groups()
    for group in (g for g in groups if g in about):
        lines += ["", *_wrap(f"{group}: {about[group]}", "", 2)]
        lines += _group_lines(group, group, choices.get(group))
    lines += ["", *_wrap("Parts that the configs above include (their keys are set through the "
                         "config that includes them, as their text says):", "", 0)]
    for group in (g for g in groups if g not in about):
        lines += ["", f"{group}:", *_group_lines(group, "", None)]
    lines += ["", "Top-level keys (KEY=VALUE):", *_key_lines(list(key_docs(root, "")), 2)]
    return "\n".join(lines) + "\n"


def _help_resolver(choices: Mapping[str, str | None]) -> str:
    # Hydra fills its help template with string.Template after this resolver ran: a "$" of the
    # comments (${paths.cache}) must reach the reader as written, not as a placeholder.
    return config_help(dict(choices)).replace("$", "$$")


def register_help_resolver() -> None:
    """Register ``${rb.config_help:...}``; call before Hydra composes the help template."""
    from omegaconf import OmegaConf

    if not OmegaConf.has_resolver(HELP_RESOLVER):
        OmegaConf.register_new_resolver(HELP_RESOLVER, _help_resolver)

"""Coq's command-line options as groups: an option and the arguments it takes.

Flags come from ``_CoqProject`` (``-arg``) and dune's ``flags`` field.  Read as
groups, they can be merged (several dune theories, each with its own
``-w …``) without splitting an option from its value, which ``coqc`` and
``coqidetop`` would then reject (``Unknown option -deprecated-…``).
"""

from __future__ import annotations

# Options of coqc/coqidetop (Coq 8.16, ``coqargs.ml``) that take arguments, and how many.
# An option not listed takes none; words that follow a group and are not options stay with it.
ARITY = {
    "-w": 1, "-set": 1, "-unset": 1, "-color": 1, "-coqlib": 1, "-compat": 1, "-d": 1, "-diffs": 1,
    "-I": 1, "-include": 1, "-Q": 2, "-R": 2, "-rfrom": 2, "-ri": 1, "-re": 1, "-require-import": 1,
    "-require-export": 1, "-rifrom": 2, "-refrom": 2, "-require-import-from": 2, "-require-export-from": 2,
    "-l": 1, "-lv": 1, "-load-vernac-source": 1, "-load-vernac-source-verbose": 1, "-load-vernac-object": 1,
    "-load-ml-object": 1, "-load-ml-source": 1, "-mangle-names": 1, "-native-compiler": 1,
    "-native-output-dir": 1, "-nI": 1, "-top": 1, "-topfile": 1, "-o": 1, "-dump-glob": 1,
    "-async-proofs": 1, "-async-proofs-j": 1, "-async-proofs-cache": 1, "-async-proofs-private-flags": 1,
    "-async-proofs-tactic-error-resilience": 1, "-async-proofs-command-error-resilience": 1,
    "-async-proofs-delegation-threshold": 1, "-async-proofs-worker-priority": 1, "-profile-ltac-cutoff": 1,
    "-exclude-dir": 1, "-init-file": 1, "-inputstate": 1, "-is": 1, "-outputstate": 1, "-time-file": 1,
    "-bytecode-compiler": 1, "-main-channel": 1, "-control-channel": 1, "-check-vio-tasks": 1,
}
PATH_OPTIONS = {"-I": 1, "-include": 1, "-Q": 1, "-R": 1, "-l": 1, "-lv": 1, "-load-vernac-source": 1,
                "-load-vernac-source-verbose": 1, "-load-ml-source": 1, "-load-ml-object": 1, "-coqlib": 1}
"""Options whose first argument is a path (relative to the folder the flags were written in)."""


def option_groups(tokens: list[str] | tuple[str, ...]) -> list[tuple[str, ...]]:
    """``tokens`` as (option, its arguments…) groups, in order; a stray word forms a group of its own."""
    groups: list[tuple[str, ...]] = []
    i = 0
    while i < len(tokens):
        n = 1 + (ARITY.get(tokens[i], 0) if tokens[i].startswith("-") else 0)
        while i + n < len(tokens) and not tokens[i + n].startswith("-"):
            n += 1  # a value of an option this table does not know
        groups.append(tuple(tokens[i : i + n]))
        i += n
    return groups


def merge_flags(*flag_lists: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The flags of every list, in order, each option group once (never an option split from its value)."""
    seen: set[tuple[str, ...]] = set()
    out: list[str] = []
    for flags in flag_lists:
        for g in option_groups(flags):
            if g not in seen:
                seen.add(g)
                out += g
    return tuple(out)


# Options that say where a compile writes its results: the workspace decides that (a user's
# ``-dump-glob ../x.glob`` must not write outside the project), so no Coq process of ours gets them.
OUTPUT_OPTIONS = {"-o", "-dump-glob", "-time-file", "-vos", "-vok", "-vio", "-quick", "-vio2vo",
                  "-check-vio-tasks", "-schedule-vio2vo", "-schedule-vio-checking", "-native-output-dir"}
# Options only coqc takes (``coqidetop`` stops at them: "Unknown option -noglob").
COMPILE_ONLY = OUTPUT_OPTIONS | {"-noglob", "-verbose", "-output-context"}


def without(flags: tuple[str, ...] | list[str], options: set[str]) -> list[str]:
    """``flags`` less the groups of ``options``."""
    return [t for g in option_groups(flags) if g[0] not in options for t in g]

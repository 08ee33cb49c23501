"""The offline search's tactic portfolio for Lean 4, and a Lean proof body from a script.

Lean's own automation: ``rfl``, ``decide``, ``simp``/``simp_all`` (with the
definitions the goal mentions), ``assumption``, ``contradiction``,
``omega`` where the version has it, and ``induction``/``cases`` on the
variables of the goal followed by automation (``<;>``).  Structured
induction names its hypotheses (``| succ n ih => ?_``) for the types whose
constructors are known, so that later steps can use them.  Every tactic here
is written in the syntax the 2021 pre-release and current Lean both read; one
a version lacks simply fails as a step.
"""

from __future__ import annotations

import re

from ...provers.results import Goal
from ..search import Tactics

_IDENT = re.compile(r"[A-Za-z_][\w'.✝]*")
_UNIVERSE = re.compile(r"\b(?:Type|Sort)\s+(?:\(\s*[^()]*\)|[\w.+]+)")
_KEYWORDS = {
    "fun", "match", "with", "let", "in", "if", "then", "else", "do", "have", "show", "from", "by", "at",
    "Nat", "Int", "List", "Option", "Bool", "Prop", "Type", "Sort", "True", "False", "true", "false", "none",
    "some", "zero", "succ", "nil", "cons", "Eq", "Ne", "And", "Or", "Not", "Iff", "Exists", "id", "α", "β",
}
#: constructors of the inductive types a task's variables usually have: (pattern per constructor)
_ALTS = {
    "Nat": ("| zero => ?_", "| succ {x} ih => ?_"),
    "List": ("| nil => ?_", "| cons hd {x} ih => ?_"),
}
_INDUCTIVE = re.compile(r"^(Nat|List|Option|Bool|Prod|Sum)\b|^\w+$")


def hypotheses(goal: Goal) -> list[tuple[str, str]]:
    """(name, type) of each hypothesis as Lean prints it: ``n m : Nat`` gives two; inaccessible names
    (``tail✝``) and local definitions (``x : α := v``) none."""
    out: list[tuple[str, str]] = []
    for h in goal.hypotheses:
        names, sep, typ = h.partition(" : ")
        if not sep or ":=" in typ:
            continue
        for n in names.split():
            if "✝" not in n and _IDENT.fullmatch(n):
                out.append((n, typ.strip()))
    return out


def binders(conclusion: str) -> list[tuple[str, str]]:
    """(name, type) of the leading ``∀`` binders of a conclusion: ``∀ (a b : Nat) (xs : List α), …``."""
    m = re.match(r"\s*∀\s*(.*?),", conclusion, re.S)
    if not m:
        return []
    out: list[tuple[str, str]] = []
    for group in re.finditer(r"[({\[⦃]\s*([^:(){}\[\]]+?)\s*:\s*([^(){}\[\]]+(?:\([^()]*\)[^(){}\[\]]*)*)[)}\]⦄]",
                             m.group(1)):
        for name in group.group(1).split():
            out.append((name, group.group(2).strip()))
    if not out:  # ∀ a b, … (types not shown)
        out = [(n, "") for n in m.group(1).split() if _IDENT.fullmatch(n)]
    return out


def constants(goal: Goal) -> list[str]:
    """Names of definitions the goal mentions (lower-case or dotted, not bound, not a keyword).

    Universe levels (``Type u_1``) and inaccessible names (``tail✝``) are not definitions."""
    bound = {n for n, _ in hypotheses(goal)} | {n for n, _ in binders(goal.conclusion)}
    out: list[str] = []
    text = _UNIVERSE.sub(" ", goal.conclusion + " " + " ".join(goal.hypotheses))
    for tok in _IDENT.findall(text):
        tok = tok.rstrip(".")
        if "✝" in tok or tok in bound or tok in _KEYWORDS or tok in out or len(tok) < 2:
            continue
        last = tok.split(".")[-1]
        if last[:1].islower() and not tok.startswith(("h", "ih")) or "." in tok and last[:1].islower():
            out.append(tok)
    return out[:6]


def _simp_set(names: list[str]) -> str:
    return f" [{', '.join(names)}]" if names else ""


def _type_of(typ: str) -> str:
    return typ.split()[0] if typ.split() else ""


def _inductive(typ: str) -> bool:
    return bool(typ) and bool(_INDUCTIVE.match(typ)) and not typ.startswith(("Prop", "Type", "Sort"))


def structured(var: str, typ: str, kind: str = "induction") -> str | None:
    """``induction x with | … => ?_`` naming the hypotheses, for Nat and List."""
    alts = _ALTS.get(_type_of(typ))
    if alts is None:
        return None
    return f"{kind} {var} with\n" + "\n".join(a.format(x=var) for a in alts)


def lean_combos(goal: Goal) -> list[str]:
    """Whole-goal attempts: intro, then induction or cases on one variable, then automation."""
    defs = constants(goal)
    simp = _simp_set(defs)
    out = [f"simp_all{simp}", f"simp{simp}"] if defs else []
    bs = binders(goal.conclusion)
    intro = f"intro {' '.join(n for n, _ in bs)}; " if bs else ""
    variables = [(n, t) for n, t in bs] + [(n, t) for n, t in hypotheses(goal) if _inductive(t)]
    for n, t in variables[:3]:
        if t and not _inductive(t):
            continue
        for how in ("induction", "cases"):
            out += [f"{intro}{how} {n} <;> simp_all{simp}", f"{intro}{how} {n} <;> simp{simp} <;> simp_all"]
        out.append(f"{intro}induction {n} <;> first | rfl | assumption")  # cases equal by computation, and ih
        out += [f"{intro}cases {n} <;> rfl", f"{intro}cases {n} <;> decide",
                f"{intro}induction {n} <;> simp_all{simp} <;> omega"]
        if "+" in goal.conclusion:  # sums the definitions leave in another order
            out.append(f"{intro}induction {n} <;> simp_all{_simp_set(defs + list(ARITH))}")
    # a list walked with a Boolean test of its elements (count, filter, all): the test's two outcomes at each cons
    tests = [n for n, t in hypotheses(goal) if re.fullmatch(r".+→\s*Bool", t)]
    lists = [n for n, t in variables if _type_of(t) == "List"]
    if tests and lists:
        arith = _simp_set(defs + list(ARITH))
        out += [f"{intro}induction {xs} with\n| nil => simp_all{simp}\n| cons hd tl ih => cases h : {p} hd <;> simp_all{arith}"
                for xs in lists[:1] for p in tests[:2]]
    # two variables of one recursion (a function matching on both): induction on one for every value of the other
    ind = [(n, t) for n, t in variables if t and _inductive(t)]
    for (a, ta), (b, tb) in [(x, y) for x in ind[:2] for y in ind[:2] if x != y and _type_of(x[1]) == _type_of(y[1])]:
        out.append(f"{intro}induction {a} generalizing {b} <;> cases {b} <;> simp_all{simp}")
    if bs:
        out += [f"{intro}simp_all{simp}", f"{intro}simp{simp}", f"{intro}omega"]
    return out


_IF_BOOL = re.compile(r"\bif\s+(\(?[^()=]*?(?:\([^()]*\))?[^()=]*?\)?)\s*=\s*true\s+then\b")
#: arithmetic both library generations name alike, for the simp sets of sums
ARITH = ("Nat.add_assoc", "Nat.add_comm", "Nat.add_left_comm")


def lean_steps(goal: Goal, lemmas: list[str], unfoldable: list[str]) -> list[str]:
    """Steps worth trying on ``goal``: first induction or cases with automation that also uses ``lemmas`` (the
    file's proven theorems before the hole), then steps that leave goals."""
    concl = goal.conclusion.strip()
    hyps = hypotheses(goal)
    out: list[str] = []
    bs = binders(concl)
    proven = [x for x in lemmas if x not in unfoldable or x not in constants(goal)]
    if proven:
        simp = _simp_set(constants(goal) + proven[:6])
        intro = f"intro {' '.join(n for n, _ in bs)}; " if bs else ""
        for n, t in ([(n, t) for n, t in bs] + [(n, t) for n, t in hyps if _inductive(t)])[:3]:
            if not t or _inductive(t):
                out.append(f"{intro}induction {n} <;> simp_all{simp}")
    if bs:
        out.append(f"intro {' '.join(n for n, _ in bs)}")
        out.append(f"intro {bs[0][0]}")
    elif "→" in concl or concl.startswith("¬"):
        out.append("intro h")
    for n, t in hyps:
        if _inductive(t):
            s = structured(n, t)
            if s:
                out.append(s)
            out += [f"induction {n}", f"cases {n}"]
    defs = [d for d in unfoldable if re.search(rf"(?<![\w.]){re.escape(d)}(?![\w'])", concl)]
    for d in defs + [c for c in constants(goal) if c not in defs][:3]:
        out += [f"simp only [{d}]", f"simp [{d}]"]
    out += ["simp", "simp at *"]
    if "∧" in concl or "↔" in concl:
        out.append("constructor")
    if "∨" in concl:
        out += ["apply Or.inl", "apply Or.inr"]
    if concl.startswith("∃"):
        out.append("constructor")
    if re.search(r"\b(if|match)\b", concl):
        out.append("split")
    # a Boolean test of the goal's ifs, as an equation to rewrite with (the 2021 build has no split)
    for cond in dict.fromkeys(m.group(1).strip() for m in _IF_BOOL.finditer(concl)):
        if "✝" not in cond:
            out.append(f"cases h : {cond} <;> simp_all{_simp_set(constants(goal) + list(ARITH))}")
    for n, t in hyps:
        if "=" in t and not t.startswith("∀"):
            out += [f"rw [{n}]", f"rw [← {n}]", f"simp [{n}]"]
        if "∧" in t or "∨" in t or t.startswith("∃"):
            out.append(f"cases {n}")
        if t.startswith("∀") or "→" in t or t == concl:
            out += [f"apply {n}", f"exact {n}"]
    for lem in lemmas[:8]:
        out += [f"rw [{lem}]", f"simp [{lem}]", f"apply {lem}"]
    out += ["constructor", "simp_all"]
    seen: set[str] = set()
    return [t for t in out if not (t in seen or seen.add(t))]


LEAN_CLOSERS = ("rfl", "decide", "simp", "simp_all", "assumption", "contradiction", "trivial", "simp at *",
                "constructor <;> simp_all", "omega")
LEAN_WHOLE_PROOFS = ("simp", "simp_all", "decide", "rfl", "intros; simp_all", "trivial", "omega")

LEAN_TACTICS = Tactics(
    closers=LEAN_CLOSERS,
    whole_proofs=LEAN_WHOLE_PROOFS,
    combos=lean_combos,
    steps=lean_steps,
    terminator="",
    focus_moves=(),  # every open goal is in the foreground in Lean
    lemma_search=False,
    unknown=re.compile(r"^unknown tactic '([\w.?!]+)'"),  # as the session names it (Lean says only 'unknown tactic')
    missing_tactics=frozenset({"omega", "split", "simp_arith", "exact?", "apply?", "aesop", "decide", "simp_all"}),
)


def render_lean_body(script: list[str] | tuple[str, ...], indent: str = "  ") -> str:
    """The text after ``:=`` for a script: `` by`` and one step a line (continuation lines kept)."""
    lines = [" by"]
    for step in script:
        lines += [indent + ln if ln.strip() else "" for ln in step.strip("\n").split("\n")]
    return "\n".join(lines)


def render_lean_text(tactics: str, indent: str = "  ") -> str:
    """The text after ``:=`` for a model's tactic text, keeping its layout."""
    lines = tactics.strip("\n").splitlines()
    base = min((len(ln) - len(ln.lstrip()) for ln in lines if ln.strip()), default=0)
    return " by\n" + "\n".join(indent + ln[base:] if ln.strip() else "" for ln in lines)

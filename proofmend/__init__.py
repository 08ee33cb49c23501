"""proofmend: mend broken and missing proofs in Coq (and Lean 4) projects."""

__version__ = "0.1.0"

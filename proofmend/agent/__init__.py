"""The repair agent, in rooms that import only downward (each may use those listed after it):

- :mod:`.revisions` — work against a base revision: ``repair --since``, ``equiv``, the changes report;
- :mod:`.loop` — the loop over one hole, the repair of files and projects (Coq's and Lean's);
- :mod:`.proposers` — what drafts proofs: the LLM, the step search, the stale-proof repairer,
  with their prompts, retrieval and the portfolio that orders them;
- :mod:`.changes` — the change: the old environment, the change map, how it touches a proof;
- the modules here, which every room shares: settings (:mod:`.config`), model backends
  (:mod:`.models`), one hole with its budget and exits (:mod:`.hole`), the tactic search a hole
  carries (:mod:`.search`) and the trace (:mod:`.trajectory`).
"""

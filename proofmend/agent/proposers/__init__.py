"""What drafts proofs: the LLM (:mod:`.llm`), the step search (:mod:`.stepsearch`), the stale-proof repairer (:mod:`.stale`), ordered by :mod:`.portfolio`; their prompts, retrieval and rendering."""

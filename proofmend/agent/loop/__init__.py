"""The loop over one hole (:mod:`.loop`), the repair of files and projects (:mod:`.repair`) and of Lean files (:mod:`.lean_repair`)."""

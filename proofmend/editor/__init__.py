"""Editor hooks: the language server (``proofmend serve``) and the Python API it calls (``proofmend.editor.api``)."""

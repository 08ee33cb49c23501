"""Tools for working on proofmend itself (not used at run time)."""

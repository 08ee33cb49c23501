"""``proofmend mcp``: a Model Context Protocol server that gives coding agents proofmend's tools."""

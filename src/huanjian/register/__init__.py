"""Source register (固定污染源信息库)."""

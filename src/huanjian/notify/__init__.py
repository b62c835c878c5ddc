"""In-app notification inbox with sent, read and acknowledged times."""

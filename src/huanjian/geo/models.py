from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from huanjian.core.db import Base


class Jurisdiction(Base):
    """A node of the administrative hierarchy (GB/T 2260 code; towns 9 digits)."""

    __tablename__ = "jurisdiction"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    level: Mapped[str] = mapped_column(String(10), nullable=False)  # province|city|district|town
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("jurisdiction.code"), index=True)
    source: Mapped[str] = mapped_column(String(200), nullable=False)

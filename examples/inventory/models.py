"""Items and stock levels."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    sku: str
    name: str
    quantity: int
    unit_price_cents: int

    def value_cents(self) -> int:
        return self.quantity * self.unit_price_cents

    def needs_restock(self, threshold: int = 5) -> bool:
        return self.quantity < threshold

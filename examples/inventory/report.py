"""A plain-text stock report."""

from __future__ import annotations

from inventory.models import Item


def stock_report(items: list[Item]) -> str:
    lines = [f"{item.sku:<8} {item.name:<20} {item.quantity:>5}" for item in items]
    total = sum(item.value_cents() for item in items)
    lines.append(f"total value: {total / 100:.2f}")
    return "\n".join(lines)

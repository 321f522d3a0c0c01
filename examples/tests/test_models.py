from inventory.models import Item


def test_value() -> None:
    assert Item("A1", "bolt", 3, 25).value_cents() == 75


def test_restock() -> None:
    assert Item("A1", "bolt", 3, 25).needs_restock()

import pytest

from memdie_audit.kernel.flagexpr import Unevaluable, evaluate

BITS = {"TIF_X": 5, "_TIF_A": 1, "_TIF_B": 4}


@pytest.mark.parametrize(("expr", "value"), [
    ("18", 18),
    ("0x12", 18),
    ("(1<<TIF_X)", 32),
    ("(1 << TIF_X)", 32),
    ("+(1 << TIF_X)", 32),
    ("(1UL << TIF_X)", 32),
    ("BIT(TIF_X)", 32),
    ("_BITUL(TIF_X)", 32),
    ("_AC(1,UL) << TIF_X", 32),
    ("(_AC(1, UL) << TIF_X)", 32),
    ("(_TIF_A | _TIF_B | 0x100)", 0x105),
    ("(0x0000FFFF & ~(_TIF_A|_TIF_B))", 0xFFFA),
    ("1 << (TIF_X + 1)", 64),
    ("017", 15),
])
def test_kernel_idioms_evaluate(expr: str, value: int) -> None:
    assert evaluate(expr, BITS.get) == value


@pytest.mark.parametrize("expr", ["", "TIF_UNKNOWN", "(1 << TIF_X", "sizeof(long)",
                                  "1 << 5000", "1 / 0", "(unsigned long)1 << 3"])
def test_what_cannot_be_computed_is_not_guessed(expr: str) -> None:
    with pytest.raises(Unevaluable):
        evaluate(expr, BITS.get)

"""The checker: the digits rule, text and whitespace, expected exceptions."""

from __future__ import annotations

import math

import pytest
from docrun.check import (
    Number,
    directives,
    exception_matches,
    expects_exception,
    output_matches,
    tokens,
    written_exception,
)

# σ(2.5) computed here from its definition, independently of any library.
SIGMA_2_5 = 1 / (1 + math.exp(-2.5))


@pytest.mark.parametrize(
    ("written", "actual"),
    [
        ("0.924", "0.92414"),  # the issue's own example
        ("0.924", repr(SIGMA_2_5)),
        ("0.9241418199787566", repr(SIGMA_2_5)),
        ("0.92414181997875655", repr(SIGMA_2_5)),  # the article's 17 digits: same float
        ("0.2", "0.25"),  # exactly half a unit away (0.25 is a double) rounds either way
        ("0.3", "0.25"),
        ("0.93", "0.925"),  # the double 0.925 is 0.92500000000000004…
        ("0.30000000000000004", repr(0.1 + 0.2)),
        ("0.5", "0.5"),
        ("0.500", "0.5"),  # trailing zeros written: the value still rounds to it
        ("0.500", "0.5004"),
        ("-0.5", "-0.49999"),
        ("1.", "1.0"),  # NumPy's `1.`: no decimals, the value rounds to 1
        ("0.", "0.4"),
        ("2.03e-313", "2.0322308024e-313"),  # the mantissa's decimals, scaled by the exponent
        ("1.5E+3", "1499.99"),
        ("4", "4"),
        ("2", "2.0"),  # integers compare by value, exactly
        ("-17", "-17"),
        ("3.0", "3"),
    ],
)
def test_numbers_that_match(written: str, actual: str) -> None:
    assert output_matches(written, actual)


@pytest.mark.parametrize(
    ("written", "actual"),
    [
        ("0.735", "0.7311"),  # the issue's own counter-example
        ("0.924", "0.9245001"),
        ("0.92", "0.9251"),
        ("0.92", "0.925"),  # the double 0.925 is 0.92500000000000004…, nearer 0.93
        # One unit off in the 17th digit, though both texts read back as the same double.
        ("0.92414181997875656", repr(SIGMA_2_5)),
        ("0.30000000000000005", repr(0.1 + 0.2)),
        ("0.5", "-0.5"),
        ("0.500", "0.5006"),
        ("4", "4.3"),  # a written integer is exact: no rounding
        ("4", "3.9999999"),
        ("1", "0.9999999999999999"),
        ("2.03e-313", "2.04e-313"),
        ("1.5e3", "1.5e4"),
        (repr(math.nextafter(SIGMA_2_5, 0.0)), repr(SIGMA_2_5)),  # one ulp off: another float
    ],
)
def test_numbers_that_do_not_match(written: str, actual: str) -> None:
    assert not output_matches(written, actual)


def test_numbers_inside_arrays_and_tuples_follow_the_rule_one_by_one() -> None:
    actual = "array([0.5       , 0.73105858, 0.88079708])"
    assert output_matches("array([0.5, 0.731, 0.881])", actual)
    assert not output_matches("array([0.5, 0.731, 0.880])", actual)
    assert not output_matches("array([0.5, 0.731])", actual)  # one number fewer
    assert output_matches("(0.924, 0.0759)", "(0.9241418199787566, 0.07585818002124355)")


def test_text_must_match_after_whitespace_normalisation() -> None:
    assert output_matches("a  b\n   c", "a b c")
    assert output_matches("hello world", "  hello world\n")
    assert output_matches("[1, 2]", "[1,\n 2]")
    assert not output_matches("hello", "hallo")
    assert not output_matches("ab", "a b")  # a space between words is not layout
    assert not output_matches("1 2", "12")
    assert not output_matches("0.5", "np.float64(0.5)")  # NumPy 2's scalar repr is not a float's
    assert not output_matches("nan", "0.5")
    assert output_matches("nan", "nan")
    assert output_matches("(inf, -inf)", "(inf, -inf)")


def test_names_with_digits_are_text_not_numbers() -> None:
    assert tokens("float64") == ["float64"]
    # Spaces next to punctuation are layout, so "x1 = 3" and "x1=3" read the same.
    assert tokens("x1 = 3") == ["x1=", Number("3"), ""]
    assert not output_matches("float32", "float64")


def test_empty_output() -> None:
    assert output_matches("", "")
    assert output_matches("", "\n")
    assert not output_matches("", "0.5")
    assert not output_matches("0.5", "")


WRITTEN_TRACEBACK = """Traceback (most recent call last):
  ...
ValueError: learn_rate must be a positive finite number, got -0.5"""


def test_expected_exception_type_and_message_are_checked() -> None:
    assert expects_exception(WRITTEN_TRACEBACK)
    assert not expects_exception("0.5")
    assert written_exception(WRITTEN_TRACEBACK) == (
        "ValueError: learn_rate must be a positive finite number, got -0.5"
    )
    right = ValueError("learn_rate must be a positive finite number, got -0.5")
    assert exception_matches(WRITTEN_TRACEBACK, right)
    assert not exception_matches(WRITTEN_TRACEBACK, TypeError(str(right)))
    assert not exception_matches(WRITTEN_TRACEBACK, ValueError("learn_rate must be positive"))
    assert not exception_matches(
        WRITTEN_TRACEBACK, ValueError("learn_rate must be a positive finite number, got -0.7")
    )


def test_written_traceback_frames_are_skipped_and_module_names_accepted() -> None:
    written = (
        "Traceback (most recent call last):\n"
        '  File "<stdin>", line 1, in <module>\n'
        "    f()\n"
        "builtins.ZeroDivisionError: division by zero"
    )
    assert exception_matches(written, ZeroDivisionError("division by zero"))
    bare = "Traceback (most recent call last):\nKeyError"
    assert not exception_matches(bare, ValueError())
    # KeyError's str is its argument's repr: the message written must be it.
    assert exception_matches("Traceback (most recent call last):\nKeyError: 'W'", KeyError("W"))


@pytest.mark.parametrize(
    ("written", "actual", "matches"),
    [
        ("[0.5, ..., 0.99]", "[0.5000001, 0.7, 0.9900001]", True),  # digits rule in pieces
        ("[0.5, ..., 0.98]", "[0.5000001, 0.7, 0.9900001]", False),
        ("[0.5, ...]", "[0.5, 0.7, 0.99]", True),
        ("..., 0.99]", "[0.5, 0.7, 0.99]", True),
        ("[0.7, ...]", "[0.5, 0.7, 0.99]", False),  # the first piece starts the output
        ("[..., 0.7]", "[0.5, 0.7, 0.99]", False),  # and the last one ends it
        ("loss ... after 3 epochs", "loss 0.25 after 3 epochs", True),
        ("loss ... after 3 epochs", "loss 0.25 after 4 epochs", False),
        ("a ... c ... e", "a b c d e", True),
        ("a ... e ... c", "a b c d e", False),  # pieces in order
        ("1...", "10", False),  # a piece never ends inside a number
    ],
)
def test_ellipsis_follows_the_digits_rule(written: str, actual: str, matches: bool) -> None:
    options = directives("x  # doctest: +ELLIPSIS")
    assert output_matches(written, actual, options) is matches


def test_directives_are_read_as_doctest_reads_them() -> None:
    assert directives("f(x)  # doctest: +ELLIPSIS, +NORMALIZE_WHITESPACE").flags == {
        "ELLIPSIS",
        "NORMALIZE_WHITESPACE",
    }
    assert directives("f(x)  # doctest: +ELLIPSIS -ELLIPSIS").flags == frozenset()
    assert directives("s = '# doctest: +SKIP'").refused == ()  # inside a string: not one
    [why] = directives("f(x)  # doctest: +SKIP").refused
    assert "nothing on these pages escapes checking" in why
    [why] = directives("f(x)  # doctest: -NORMALIZE_WHITESPACE").refused
    assert "always normalises whitespace" in why

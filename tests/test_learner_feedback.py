"""What a learner sees when a check fails, in a real kernel (as in JupyterLab): the check's
message and nothing else — no traceback through the package, no line of the reference's source —
and an untouched answer cell says "not attempted yet", once."""

from __future__ import annotations

import re

import nbformat
import pytest

from sgdteach._files import package_root
from sgdteach.tools.nbexec import notebook_client

ANSI = re.compile(r"\x1b\[[0-9;]*m")

STUB = '''def sgd_step(theta, x, y, lr):
    # YOUR CODE HERE
    raise NotImplementedError()'''
WRONG_SIGN = '''def sgd_step(theta, x, y, lr):
    return theta + lr * 2.0 * x * (x @ theta - y)'''
CHECK = "from sgdteach.checking import check_sgd_step\ncheck_sgd_step(sgd_step)"


@pytest.fixture(scope="module")
def kernel_outputs(tmp_path_factory):
    """Run a stub answer and its check, then a wrong answer and its check, in one kernel; the
    error output of each check cell."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in (STUB, CHECK, WRONG_SIGN, CHECK)]
    folder = tmp_path_factory.mktemp("learner")
    client = notebook_client(nb, folder, timeout=120)
    client.allow_errors = True
    client.execute()
    return [[o for o in nb.cells[i].outputs if o.output_type == "error"] for i in (1, 3)]


def _shown(errors) -> str:
    assert len(errors) == 1, errors
    return ANSI.sub("", "\n".join(errors[0].traceback))


def test_an_untouched_answer_says_not_attempted_once(kernel_outputs):
    text = _shown(kernel_outputs[0])
    assert kernel_outputs[0][0].ename == "NotAttemptedError"
    assert text.count("not attempted yet") == 1 and "'sgd_step'" in text
    assert "Traceback" not in text and len(text.splitlines()) == 1


def test_a_failed_check_shows_its_message_and_nothing_else(kernel_outputs):
    text = _shown(kernel_outputs[1])
    assert text.startswith("CheckError: check_sgd_step: wrong sign in 'sgd_step'.")
    assert "expected" in text and "received" in text
    # no frame of the package (its file paths, or the reference's source lines)
    assert str(package_root()) not in text and "site-packages" not in text
    assert "Traceback" not in text and "compare(" not in text and len(text.splitlines()) == 1


def _loop_using(step_sign: float):
    """A correct SGD loop in a namespace whose sgd_step has the given sign (−1 is right)."""
    space: dict = {}
    exec(  # builds a learner's two cells in one namespace
        "def sgd_step(theta, x, y, lr):\n"
        f"    return theta {'-' if step_sign < 0 else '+'} lr * 2.0 * x * (x @ theta - y)\n"
        "def sgd(X, y, theta, learning_rate, num_epochs, rng):\n"
        "    for _ in range(num_epochs):\n"
        "        for _ in range(len(y)):\n"
        "            r = rng.integers(len(y))\n"
        "            theta = sgd_step(theta, X[r], y[r], learning_rate)\n"
        "    return theta\n", space)
    return space["sgd"]


@pytest.mark.parametrize("sign", [-1.0, 1.0])
def test_a_pass_that_used_the_reference_for_a_wrong_part_says_so(sign, capsys):
    from sgdteach.checking import check_sgd

    check_sgd(_loop_using(sign))
    out = capsys.readouterr().out
    assert out.startswith("✓ sgd: matches the reference loop")
    named = "the reference sgd_step in place of yours, which does not pass check_sgd_step"
    assert (named in out) == (sign > 0), out

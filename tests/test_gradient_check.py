"""The gradient checker catches the classic mistakes and passes correct gradients."""

import numpy as np
import pytest

from sgdteach import check_gradient
from sgdteach.losses import squared_error


def test_passes_a_correct_gradient(ref, capsys):
    X, y = ref
    err = check_gradient(lambda t: squared_error.value(t, X, y),
                         lambda t: squared_error.grad(t, X, y), np.array([0.5, -1.0]))
    assert err < 1e-6
    assert "gradient OK" in capsys.readouterr().out


@pytest.mark.parametrize("factor, hint", [(-1.0, r"ratio -1"), (0.5, r"ratio 0.5")])
def test_names_sign_and_factor_mistakes(ref, factor, hint):
    X, y = ref
    with pytest.raises(AssertionError, match=r"differs from finite differences.*" + hint):
        check_gradient(lambda t: squared_error.value(t, X, y),
                       lambda t: factor * squared_error.grad(t, X, y), np.array([0.5, -1.0]))


def test_wrong_shape_is_an_error(ref):
    X, y = ref
    with pytest.raises(ValueError, match=r"check_gradient: 'grad\(theta\)' must be an array of "
                                         r"shape \(2,\)"):
        check_gradient(lambda t: squared_error.value(t, X, y), lambda t: np.zeros(3),
                       np.zeros(2))

"""course.model_selection: the validation split keeps the test set out, and a grid's best point
is flagged when it sits at an end of the grid."""

import numpy as np
import pytest

from sgdteach.course import model_selection as ms
from sgdteach.course.network_runs import digits_split, train
from sgdteach.networks import MLP


@pytest.fixture(scope="module")
def held():
    return ms.validation_split(digits_split(), size=0.2, seed=0)


def _rows(X):
    return {row.tobytes() for row in X}


def test_the_parts_are_disjoint_and_cover_the_training_set(held):
    data = digits_split()
    fit, val = _rows(held.X_fit), _rows(held.X_val)
    assert len(held.y_fit) + len(held.y_val) == len(data.y_train)
    assert len(held.y_val) == int(np.ceil(0.2 * len(data.y_train)))
    # the digits contain a few duplicate images, so compare as multisets of (row, label)
    both = sorted(zip(map(bytes, np.r_[held.X_fit, held.X_val]), np.r_[held.y_fit, held.y_val],
                      strict=True))
    assert both == sorted(zip(map(bytes, data.X_train), data.y_train, strict=True))
    assert np.array_equal(held.X_test, data.X_test) and np.array_equal(held.y_test, data.y_test)
    assert not (_rows(held.X_test) - _rows(data.X_test))
    assert len(fit & val) <= 5          # only the data set's own duplicate images


def test_the_split_is_stratified(held):
    share_fit = np.bincount(held.y_fit) / len(held.y_fit)
    share_val = np.bincount(held.y_val) / len(held.y_val)
    assert np.abs(share_fit - share_val).max() < 0.01


def test_tuning_measures_on_validation_and_on_test_on_test(held):
    net = MLP([64, 8, 10])
    run = train(net, held.tuning, lr=0.3, batch_size=64, epochs=1, seed=0)
    theta = run.history.theta
    logits_val = np.argmax(net.predict_proba(theta, held.X_val), axis=1)
    assert run.final_test_accuracy == pytest.approx(np.mean(logits_val == held.y_val))
    test_run = ms.on_test(run, net, held)
    logits_test = np.argmax(net.predict_proba(theta, held.X_test), axis=1)
    assert test_run.final_test_accuracy == pytest.approx(np.mean(logits_test == held.y_test))
    assert test_run.history is run.history


@pytest.mark.parametrize("scores, index, inside", [
    ([0.9, 0.93, 0.89], 1, True), ([0.3, 0.5, 0.59], 2, False), ([0.7, 0.5, 0.1], 0, False),
    ([np.nan, 0.5, 0.4, np.nan], 1, True), ([0.1, 0.2, 0.3, 0.2], 2, True)])
def test_best_on_grid_finds_the_argmax_and_says_if_it_is_bracketed(scores, index, inside):
    grid = np.geomspace(0.1, 10, len(scores))
    best = ms.best_on_grid(grid, scores)
    assert (best.position, best.inside) == (index, inside)
    assert best.value == pytest.approx(grid[index])


@pytest.mark.parametrize("grid, scores, match", [
    ([0.1, 0.3], [1, 2], "at least 3 increasing"), ([0.3, 0.1, 1], [1, 2, 3], "increasing"),
    ([0.1, 0.3, 1], [1, 2], "of length 3"), ([0.1, 0.3, 1], [np.nan] * 3, "not NaN")])
def test_best_on_grid_refuses_bad_grids(grid, scores, match):
    with pytest.raises(ValueError, match=match):
        ms.best_on_grid(grid, scores)


def test_bad_arguments_get_the_template_error(held):
    with pytest.raises(TypeError, match="validation_split: 'data' must be a Digits split"):
        ms.validation_split(held)
    with pytest.raises(ValueError, match="'size' must be"):
        ms.validation_split(digits_split(), size=0.95)
    with pytest.raises(TypeError, match="on_test: 'run' must be a Run"):
        ms.on_test(None, MLP([64, 8, 10]), held)

import hypothesis_profiles  # noqa: F401  (registers the "fast" profile before the plugin loads it)
import matplotlib
import numpy as np
import pytest

import sgdteach.grading._jsonschema_workaround  # noqa: F401  (before nbformat: no rfc3987 grammar per worker)

matplotlib.use("Agg")


@pytest.fixture
def shown(monkeypatch):
    """Record what the widgets display: ``shown`` is a list of the PNG bytes of each redraw."""
    import IPython.display

    images: list[bytes] = []

    def display(*objs, **kwargs):
        images.extend(obj.data for obj in objs if isinstance(obj, IPython.display.Image))

    monkeypatch.setattr(IPython.display, "display", display)
    return images


@pytest.fixture
def ref():
    """The reference example: X=[[1,2],[1,3],[1,4]], y=[2,5,9]."""
    return np.array([[1.0, 2.0], [1.0, 3.0], [1.0, 4.0]]), np.array([2.0, 5.0, 9.0])


@pytest.fixture
def regression():
    from sgdteach.datasets import make_regression

    return make_regression(n=200, d=3, noise=0.3, seed=1)


# -- markers, by rule (so a new test file is marked without anyone remembering to) ---------------
# kernel: starts Jupyter kernels or subprocess graders; browser: drives Chromium; slow: minutes;
# figures: renders figures or widgets (a figure test elsewhere carries @pytest.mark.figures).
# `make test-fast` deselects all four; `make test` runs everything. KERNEL_FILES are the files
# whose every test is kernel; elsewhere a test is marked kernel where it is defined (or by a
# fixture named *kernel*), so the pure unit tests of a file that also runs the grader run fast.
KERNEL_FILES = ("test_redteam_sandbox", "test_nbgrader_interop", "test_cli")
SLOW_FILES = ("test_benchmarks_smoke",)
FIGURE_FILES = ("test_figures_opaque", "test_widgets", "test_plotting")


def _deselects_kernel(config) -> bool:
    """Whether ``-m`` deselects every test marked kernel, whatever its other markers: the
    expression is a plain conjunction with ``not kernel`` as one of its terms."""
    expr = f" {config.getoption('markexpr') or ''} "
    return " or " not in expr and "not kernel" in [t.strip() for t in expr.split(" and ")]


def pytest_ignore_collect(collection_path, config):
    """A file whose every test is marked kernel (KERNEL_FILES) is not even imported when ``-m``
    deselects them all (``make test-fast``): importing nbgrader and the like costs each worker
    seconds."""
    if collection_path.suffix == ".py" and collection_path.stem.startswith(KERNEL_FILES) \
            and _deselects_kernel(config):
        return True
    return None


def _module_fixtures(item) -> bool:
    """Whether ``item`` uses a module-scoped fixture (built once per module and process)."""
    info = getattr(item, "_fixtureinfo", None)
    return info is not None and any(d.scope == "module" for name in item.fixturenames
                                    for d in info.name2fixturedefs.get(name, ()))


# -- xdist: `make test` runs `pytest -n 2 --dist loadgroup` ----------------------------------------
# A module whose tests use a module-scoped fixture (a class graded, a wheel built, kernels run
# once for the module) is one xdist group: its tests run on one worker, so the fixture is built
# once, not once per worker. Tests grouped otherwise (tests/browser: one Run All per notebook)
# keep their group. tryfirst: xdist reads the groups in its own collection hook.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("xdist_group") is None and _module_fixtures(item):
            item.add_marker(pytest.mark.xdist_group(name=f"module-{item.path.stem}"))
        path = item.path
        name = path.stem
        if "browser" in path.parts:
            item.add_marker(pytest.mark.browser)
        if name.startswith(KERNEL_FILES) or any("kernel" in f for f in item.fixturenames):
            item.add_marker(pytest.mark.kernel)
        if name.startswith(SLOW_FILES):
            item.add_marker(pytest.mark.slow)
        if name.startswith(FIGURE_FILES):
            item.add_marker(pytest.mark.figures)
